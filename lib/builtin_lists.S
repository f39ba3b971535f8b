/* builtin_lists.S — the warninglists that ship with Entente (warninglists/),
 * linked in as read-only data for lib/warninglist.c. */
#define LIST(sym, path) \
	.globl ent_wl_##sym, ent_wl_##sym##_end; \
	ent_wl_##sym: .incbin path; ent_wl_##sym##_end: .byte 0

	.section .rodata
LIST(empty_hashes, "warninglists/empty-hashes/list.json")
LIST(google, "warninglists/google/list.json")
LIST(multicast, "warninglists/multicast/list.json")
LIST(public_dns_v4, "warninglists/public-dns-v4/list.json")
LIST(public_dns_v6, "warninglists/public-dns-v6/list.json")
LIST(rfc1918, "warninglists/rfc1918/list.json")
LIST(rfc5735, "warninglists/rfc5735/list.json")
LIST(rfc6598, "warninglists/rfc6598/list.json")
	.section .note.GNU-stack,"",@progbits
