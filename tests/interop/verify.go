// verify.go — an independent check of Entente's record with Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
// golang-golang-x-mod-dev, built offline). It rebuilds the Merkle tree from
// the entries itself, then checks the checkpoint's signature and the
// witness's cosignature/v1, every inclusion proof and every consistency
// proof that tests/logdump wrote. Prints TAP.
// Usage: go run verify.go DIR
package main

import (
	"bufio"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var n, failed int

func ok(cond bool, format string, args ...interface{}) {
	n++
	if !cond {
		failed++
		fmt.Printf("not ")
	}
	fmt.Printf("ok %d - %s\n", n, fmt.Sprintf(format, args...))
}

// cosigV1 is a note.Verifier for C2SP cosignature/v1 (type 0x04), which
// x/mod 0.7 does not have.
type cosigV1 struct {
	name string
	pk   ed25519.PublicKey
	hash uint32
}

func newCosigVerifier(vkey string) (*cosigV1, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, errors.New("bad vkey")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 {
		return nil, errors.New("bad vkey key")
	}
	pk := ed25519.PublicKey(raw[1:])
	h := sha256.New()
	h.Write([]byte(parts[0] + "\n"))
	h.Write([]byte{0x04})
	h.Write(pk)
	sum := h.Sum(nil)
	return &cosigV1{parts[0], pk, binary.BigEndian.Uint32(sum)}, nil
}

func (v *cosigV1) Name() string    { return v.name }
func (v *cosigV1) KeyHash() uint32 { return v.hash }
func (v *cosigV1) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	m := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
	return ed25519.Verify(v.pk, m, sig[8:])
}

type hashes map[int64]tlog.Hash

func (h hashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		v, found := h[x]
		if !found {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = v
	}
	return out, nil
}

func lines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		fmt.Println("Bail out!", err)
		os.Exit(1)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func decodeHashes(fields []string) []tlog.Hash {
	var out []tlog.Hash
	for _, f := range fields {
		b, _ := base64.StdEncoding.DecodeString(f)
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out
}

func main() {
	dir := os.Args[1]
	keys := lines(dir + "/keys")
	cp, _ := os.ReadFile(dir + "/checkpoint")

	// 1. the signed note and the cosignature
	logv, err := note.NewVerifier(keys[0])
	ok(err == nil, "the node's verifier key parses in x/mod: %v", err)
	wit, err := newCosigVerifier(keys[1])
	ok(err == nil, "the witness key parses: %v", err)
	msg, err := note.Open(cp, note.VerifierList(logv, wit))
	ok(err == nil && len(msg.Sigs) == 2, "note.Open verifies the checkpoint's signature and the cosignature/v1: %v", err)
	if err != nil {
		os.Exit(1)
	}
	text := strings.Split(msg.Text, "\n")
	size, _ := strconv.ParseInt(text[1], 10, 64)
	rootb, _ := base64.StdEncoding.DecodeString(text[2])
	var root tlog.Hash
	copy(root[:], rootb)
	ok(text[0] == logv.Name(), "the origin is the node's name")

	// 2. the tree, rebuilt from the entries with tlog
	entries := lines(dir + "/entries")
	ok(int64(len(entries)) == size, "%d entries for a checkpoint of %d", len(entries), size)
	hs := hashes{}
	var leaf []tlog.Hash
	for i, e := range entries {
		d, _ := base64.StdEncoding.DecodeString(e)
		h := tlog.RecordHash(d)
		leaf = append(leaf, h)
		add, err := tlog.StoredHashes(int64(i), d, hs)
		if err != nil {
			ok(false, "StoredHashes %d: %v", i, err)
			os.Exit(1)
		}
		base := tlog.StoredHashIndex(0, int64(i))
		for j, x := range add {
			hs[base+int64(j)] = x
		}
	}
	th, err := tlog.TreeHash(size, hs)
	ok(err == nil && th == root, "tlog.TreeHash of the entries is the checkpoint's root")

	// 3. every proof
	incl, inclBad, cons, consBad := 0, 0, 0, 0
	roots := map[int64]tlog.Hash{}
	for _, l := range lines(dir + "/proofs") {
		f := strings.Fields(l)
		if f[0] == "root" {
			m, _ := strconv.ParseInt(f[1], 10, 64)
			roots[m] = decodeHashes(f[2:3])[0]
		}
	}
	for _, l := range lines(dir + "/proofs") {
		f := strings.Fields(l)
		a, _ := strconv.ParseInt(f[1], 10, 64)
		b, _ := strconv.ParseInt(f[2], 10, 64)
		switch f[0] {
		case "inclusion":
			incl++
			if tlog.CheckRecord(tlog.RecordProof(decodeHashes(f[3:])), b, th, a, leaf[a]) != nil {
				inclBad++
			}
		case "consistency":
			cons++
			ha, e1 := tlog.TreeHash(a, hs)
			hb, e2 := tlog.TreeHash(b, hs)
			if e1 != nil || e2 != nil || tlog.CheckTree(tlog.TreeProof(decodeHashes(f[3:])), b, hb, a, ha) != nil {
				consBad++
			}
		}
	}
	ok(incl == int(size) && inclBad == 0, "tlog.CheckRecord accepts all %d inclusion proofs (%d failed)", incl, inclBad)
	ok(cons > 50 && consBad == 0, "tlog.CheckTree accepts all %d consistency proofs (%d failed)", cons, consBad)
	rootsBad := 0
	for m, h := range roots {
		if m == 0 {
			continue // x/mod 0.7's TreeHash(0) is zeros, not SHA-256("")
		}
		if g, err := tlog.TreeHash(m, hs); err != nil || g != h {
			rootsBad++
		}
	}
	ok(len(roots) > 5 && rootsBad == 0, "our roots at %d sizes equal tlog.TreeHash", len(roots))

	// 4. a forged cosignature is refused
	bad := []byte(strings.Replace(string(cp), "\n"+text[1]+"\n", "\n1"+text[1]+"\n", 1))
	_, err = note.Open(bad, note.VerifierList(logv, wit))
	ok(err != nil, "a changed checkpoint does not open")
	fmt.Printf("1..%d\n", n)
	if failed > 0 {
		os.Exit(1)
	}
}
