# Entente — plain GNU make. See README.md.
#   make               build build/entente and build/libentente.a
#   make check         install what is missing, build, run every test
#   make check SANITIZE=1   the same under ASan + UBSan (in build/san)
#   make demo          install what is missing, build, run scripts/demo
#   make bench         run the benchmarks in bench/
#   make install       PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := libsodium openssl sqlite3 jansson libidn2 libpsl zlib

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

LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(B)/%.o)
TESTS   := $(TEST_SRC:tests/%.c=$(B)/tests/%) $(B)/tests/hostile \
           $(B)/tests/logdump
BENCHES := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

all: $(B)/entente

$(B)/%.o: %.c $(wildcard include/entente/*.h lib/*.h cmd/entente/*.h) | deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -c $< -o $@

$(B)/libentente.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/entente: $(CMD_OBJ) $(B)/libentente.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/%.c tests/tap.h $(B)/libentente.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -Itests -o $@ $< $(B)/libentente.a $(LDFLAGS) $(LDLIBS)

$(B)/bench/%: bench/%.c $(B)/libentente.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -o $@ $< $(B)/libentente.a $(LDFLAGS) $(LDLIBS)

# Fails with a clear message when a build dependency is missing.
deps-ok:
	@pkg-config --exists $(PKGS) || { echo "missing libraries: run 'sudo scripts/install-deps' (or 'make check', which runs it)" >&2; exit 1; }

deps:
	@scripts/install-deps

check: deps
	@$(MAKE) --no-print-directory $(B)/entente $(TESTS)
	@tests/run $(B)

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

install: $(B)/entente
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include/entente $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(B)/entente $(DESTDIR)$(PREFIX)/bin/entente
	install -m 0644 $(B)/libentente.a $(DESTDIR)$(PREFIX)/lib/libentente.a
	install -m 0644 include/entente/*.h $(DESTDIR)$(PREFIX)/include/entente/
	install -m 0644 man/entente.1 $(DESTDIR)$(PREFIX)/share/man/man1/entente.1

clean:
	rm -rf build

.PHONY: all check demo bench install clean deps deps-ok
.SECONDARY:
