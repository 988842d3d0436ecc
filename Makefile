# trawl: one non-recursive Makefile. Objects go to build/<mode>/, never beside sources.
# User knobs first; required flags are appended so overriding CFLAGS never drops them.
CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
PREFIX  ?= /usr/local
DESTDIR ?=
MODE    ?= release
PYTHON  ?= python3

WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -fPIC $(CFLAGS) -MMD -MP
# The floors, enforced by include paths: common/ sees only itself; indexer/ and searcher/ see
# common/ and the public header (searcher/include/trawl.h), never each other; tests and benches
# see everything.
INC_common   = -Icommon
INC_indexer  = -Icommon -Iindexer -Isearcher/include
INC_searcher = -Icommon -Isearcher -Isearcher/include
INC_ALL      = -Icommon -Iindexer -Isearcher -Isearcher/include
ALL_CFLAGS   = $(BASE_CFLAGS) $(INC_ALL)
LIBS      = -lstemmer -lutf8proc -lxxhash -lz -ljansson -lm -lpthread

B := build/$(MODE)

COMMON_SRC := $(wildcard common/*.c)
LIB_SRC    := $(COMMON_SRC) $(filter-out searcher/main.c,$(wildcard searcher/*.c))
IDX_SRC    := $(filter-out indexer/main.c,$(wildcard indexer/*.c))
TEST_SRC   := $(wildcard tests/unit/test_*.c)
BENCH_SRC  := $(wildcard bench/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
IDX_OBJ   := $(IDX_SRC:%.c=$(B)/%.o)
TESTS     := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

LIBA  := $(B)/libtrawl.a
LIBSO := $(B)/libtrawl.so
BINS  := $(B)/trawl-index $(B)/trawl-search

.PHONY: all deps test unit cli asan fuzz bench demo install format format-check clean
all: $(B)/.deps $(BINS) $(LIBSO)

# Each stamp checks one group of Debian packages (.ci/deps): installs the missing ones as root,
# or stops with the exact apt-get command. Building needs only the build group; the test, fuzz
# and bench targets check their own tools.
$(B)/.deps: .ci/deps
	@sh .ci/deps build
	@mkdir -p $(B) && touch $@
$(B)/.deps-%: .ci/deps
	@sh .ci/deps $*
	@mkdir -p $(B) && touch $@

$(B)/%.o: %.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_$(firstword $(subst /, ,$*))) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBSO): $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,libtrawl.so.0 -o $@ $^ $(LDFLAGS) $(LIBS)

$(B)/trawl-index: $(B)/indexer/main.o $(IDX_OBJ) $(LIBA)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS)

$(B)/trawl-search: $(B)/searcher/main.o $(LIBA)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS)

$(B)/tests/%: tests/unit/%.c $(IDX_OBJ) $(LIBA) | $(B)/.deps $(B)/.deps-test
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(IDX_OBJ) $(LIBA) $(LDFLAGS) $(LIBS) -lcmocka

$(B)/bench/%: bench/%.c $(IDX_OBJ) $(LIBA) | $(B)/.deps $(B)/.deps-bench
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(IDX_OBJ) $(LIBA) $(LDFLAGS) $(LIBS) -lsqlite3

# Unit tests (cmocka), then end-to-end tests through the binaries.
test: all $(B)/.deps-test $(TESTS)
	@sh tests/run.sh $(B)

asan:
	$(MAKE) MODE=asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

fuzz:
	@sh .ci/deps fuzz
	@sh tests/fuzz/run.sh

bench: all $(B)/.deps-bench $(BENCHES)
	@sh bench/run.sh $(B)

demo: all
	@rm -rf $(B)/demo-index
	$(B)/trawl-index --rebuild -o $(B)/demo-index tests/data/seeds
	$(B)/trawl-search -i $(B)/demo-index 'rafah "ground invasion"'

install: all $(LIBA)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/libtrawl.so.0
	ln -sf libtrawl.so.0 $(DESTDIR)$(PREFIX)/lib/libtrawl.so
	install -m 644 searcher/include/trawl.h $(DESTDIR)$(PREFIX)/include
	sed 's|@PREFIX@|$(PREFIX)|' searcher/trawl.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/trawl.pc
	install -m 644 docs/trawl-index.1 docs/trawl-search.1 $(DESTDIR)$(PREFIX)/share/man/man1

FMT_SRC = $(wildcard common/*.[ch] indexer/*.[ch] searcher/*.[ch] searcher/include/*.h tests/unit/*.[ch] tests/fuzz/*.c bench/*.c)
format:
	clang-format -i $(FMT_SRC)
format-check:
	clang-format --dry-run --Werror $(FMT_SRC)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(IDX_OBJ:.o=.d) $(B)/indexer/main.d $(B)/searcher/main.d $(TESTS:=.d) $(BENCHES:=.d)
