// psi_js.js — the baseline: @openmined/psi.js 2.0.6, whole protocol in one
// process, on the same sets as bench/psi.c (client: e<k>.example for k in
// [0, n); server: k in [n/2, 3n/2)), revealing the intersection.
// Usage: node psi_js.js MODULE_DIR LOG2N...
const PSI = require(process.argv[2] + '/node_modules/@openmined/psi.js')

;(async () => {
  const psi = await PSI()
  for (const lg of process.argv.slice(3).map(Number)) {
    const n = 1 << lg
    const client = Array.from({ length: n }, (_, i) => `e${i}.example`)
    const server = Array.from({ length: n }, (_, i) => `e${n / 2 + i}.example`)
    const t0 = process.hrtime.bigint()
    const s = psi.server.createWithNewKey(true)
    const c = psi.client.createWithNewKey(true)
    const setup = s.createSetupMessage(1e-9, n, server)
    const request = c.createRequest(client)
    const response = s.processRequest(request)
    const got = c.getIntersection(setup, response)
    const secs = Number(process.hrtime.bigint() - t0) / 1e9
    const bytes = setup.serializeBinary().length + request.serializeBinary().length +
      response.serializeBinary().length
    console.log(`${lg} ${secs.toFixed(2)} ${got.length} ${bytes}`)
  }
})()
