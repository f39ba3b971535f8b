# Entente — plain GNU make. See README.md.
#   make               build build/entente and build/libentente.a
#   make check         install what is missing, build, run every test
#   make check SANITIZE=1   the same under ASan + UBSan (in build/san)
#   make valgrind      the command-line tests under valgrind memcheck
#   make demo          install what is missing, build, run scripts/demo
#   make bench         run the benchmarks in bench/
#   make install       PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := libsodium openssl sqlite3 jansson libidn2 libpsl zlib libseccomp

ifeq ($(SANITIZE),1)
B       := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
OPT     := -O1 -g
else
B       := build
SANFLAGS :=
OPT     := -O2 -g
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  ?= $(OPT)
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
           -Wstrict-prototypes -Iinclude $(PKG_CFLAGS) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread

LIB_SRC := $(wildcard lib/*.c)
CMD_SRC := $(wildcard cmd/entente/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
BENCH_SRC := $(filter-out bench/hs_scan.c,$(wildcard bench/*.c))

FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZERS := $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/%)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(B)/lib/builtin_lists.o
CMD_OBJ := $(CMD_SRC:%.c=$(B)/%.o)
TESTS   := $(TEST_SRC:tests/%.c=$(B)/tests/%) $(B)/tests/hostile \
           $(B)/tests/logdump
BENCHES := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

all: $(B)/entente

$(B)/%.o: %.c $(wildcard include/entente/*.h lib/*.h cmd/entente/*.h) | deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -c $< -o $@

# the built-in warninglists, linked in as data
$(B)/lib/builtin_lists.o: lib/builtin_lists.S $(wildcard warninglists/*/list.json)
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(B)/libentente.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/entente: $(CMD_OBJ) $(B)/libentente.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/%.c tests/tap.h $(B)/libentente.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -Itests -o $@ $< $(B)/libentente.a $(LDFLAGS) $(LDLIBS)

# fuzz targets, built with the ordinary compiler and fuzz/replay.c: how
# make check replays their corpora
$(B)/fuzz/%: fuzz/%.c fuzz/replay.c $(B)/libentente.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -o $@ $< fuzz/replay.c $(B)/libentente.a $(LDFLAGS) $(LDLIBS)

$(B)/bench/%: bench/%.c $(B)/libentente.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -o $@ $< $(B)/libentente.a $(LDFLAGS) $(LDLIBS)

# Fails with a clear message when a build dependency is missing.
deps-ok:
	@pkg-config --exists $(PKGS) || { echo "missing libraries: run 'sudo scripts/install-deps' (or 'make check', which runs it)" >&2; exit 1; }

deps:
	@scripts/install-deps

check: deps
	@$(MAKE) --no-print-directory $(B)/entente $(TESTS) $(FUZZERS)
	@tests/run $(B)

# the CLI tests with each run under valgrind memcheck (slow)
valgrind: deps
	@$(MAKE) --no-print-directory $(B)/entente
	@tests/valgrind.sh $(B)/entente

demo: deps
	@$(MAKE) --no-print-directory $(B)/entente
	@scripts/demo $(B)/entente

bench: deps
	@$(MAKE) --no-print-directory $(B)/entente $(BENCHES)
	@if pkg-config --exists libhs; then $(MAKE) --no-print-directory $(B)/bench/hs_scan; fi
	@bench/run $(B)

# the Hyperscan baseline, only where libhyperscan-dev is installed
$(B)/bench/hs_scan: bench/hs_scan.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --cflags --libs libhs 2>/dev/null)

# make fuzz FUZZ_SECONDS=N: each target under libFuzzer (clang), with ASan
# and UBSan, for N seconds, starting from a copy of its corpus in build/.
FZ      := build/libfuzzer
FUZZ_SECONDS ?= 60
FZFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Iinclude -Ilib $(PKG_CFLAGS) \
           -fsanitize=address,undefined
fuzz: deps
	@mkdir -p $(FZ)/lib $(FZ)/corpus
	@for f in $(LIB_SRC); do clang $(FZFLAGS) -fsanitize=fuzzer-no-link \
	    -c $$f -o $(FZ)/lib/$$(basename $$f .c).o || exit 1; done
	@clang -c lib/builtin_lists.S -o $(FZ)/lib/builtin_lists.o
	@for t in $(FUZZ_SRC:fuzz/%.c=%); do \
	    clang $(FZFLAGS) -Ilib -fsanitize=fuzzer fuzz/$$t.c $(FZ)/lib/*.o \
	        -o $(FZ)/$$t $(PKG_LIBS) -lpthread || exit 1; \
	    mkdir -p $(FZ)/corpus/$$t && cp -n fuzz/corpus/$$t/* $(FZ)/corpus/$$t/; \
	    echo "== $$t ($(FUZZ_SECONDS) s)"; \
	    dict=; [ -f fuzz/$$t.dict ] && dict=-dict=fuzz/$$t.dict; \
	    $(FZ)/$$t $$dict -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        -print_final_stats=1 -artifact_prefix=$(FZ)/$$t- $(FZ)/corpus/$$t 2>&1 | \
	        grep -E 'number_of_executed_units|ERROR|SUMMARY' || true; \
	done

install: $(B)/entente
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include/entente $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(B)/entente $(DESTDIR)$(PREFIX)/bin/entente
	install -m 0644 $(B)/libentente.a $(DESTDIR)$(PREFIX)/lib/libentente.a
	install -m 0644 include/entente/*.h $(DESTDIR)$(PREFIX)/include/entente/
	install -m 0644 man/entente.1 $(DESTDIR)$(PREFIX)/share/man/man1/entente.1

clean:
	rm -rf build

.PHONY: all check demo bench fuzz install clean deps deps-ok valgrind
.SECONDARY:
