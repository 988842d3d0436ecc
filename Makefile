# trawl: one non-recursive Makefile. Objects go to build/<mode>/, never beside sources.
# User knobs first; required flags are appended so overriding CFLAGS never drops them.
CC      ?= cc
CFLAGS  ?= -O2 -g
CXXFLAGS ?= -O2 -g
LDFLAGS ?=
PREFIX  ?= /usr/local
DESTDIR ?=
# Where make install puts the Python package: Debian's python3 searches
# /usr/lib/python3/dist-packages (PREFIX=/usr); for another prefix add PYDIR to PYTHONPATH.
PYDIR   ?= $(PREFIX)/lib/python3/dist-packages
MODE    ?= release
PYTHON  ?= python3

WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
# Hidden by default: only what trawl.h marks TRAWL_API leaves the library.
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -fPIC -fvisibility=hidden $(CFLAGS) -MMD -MP
# The floors, enforced by include paths: common/ sees only itself; indexer/ and searcher/ see
# common/ and the public header (searcher/include/trawl.h), never each other; tests and benches
# see everything.
INC_common   = -Icommon
INC_indexer  = -Icommon -Iindexer -Isearcher/include
INC_searcher = -Icommon -Isearcher -Isearcher/include
INC_ALL      = -Icommon -Iindexer -Isearcher -Isearcher/include
ALL_CFLAGS   = $(BASE_CFLAGS) $(INC_ALL)
LIB_LIBS  = -lstemmer -lutf8proc -lxxhash -lz -ldeflate -lm -lpthread
LIBS      = $(LIB_LIBS) -ljansson
TUI_LIBS  = -lncursesw

B := build/$(MODE)

# The version is written once, in trawl.h; the soname follows its major number.
trawl_version_part = $(shell sed -n 's/^\#define TRAWL_VERSION_$(1)  *\([0-9][0-9]*\).*/\1/p' searcher/include/trawl.h)
VMAJOR  := $(call trawl_version_part,MAJOR)
VERSION := $(VMAJOR).$(call trawl_version_part,MINOR).$(call trawl_version_part,PATCH)
SONAME  := libtrawl.so.$(VMAJOR)

COMMON_SRC := $(wildcard common/*.c)
# What libtrawl is made of: common/, the query side and the index writer; both libraries, their
# symbol checks and the installed copy follow this list. Left out are the programs and, of
# indexer/, the corpus sync behind trawl-index (the file walk, JSON Lines through jansson):
# nothing in trawl.h reaches it, so the library does not carry it or its dependency.
CLI_SEARCH_SRC := searcher/main.c searcher/batch.c searcher/out.c searcher/locate.c searcher/hitout.c \
                  searcher/inspect.c searcher/tui.c
CLI_INDEX_SRC  := indexer/main.c indexer/build.c indexer/corpus.c indexer/lines.c indexer/ignore.c indexer/select.c \
                  indexer/gz.c indexer/enc.c indexer/stats.c indexer/watch.c
LIB_SRC    := $(COMMON_SRC) $(filter-out $(CLI_SEARCH_SRC),$(wildcard searcher/*.c)) \
              $(filter-out $(CLI_INDEX_SRC),$(wildcard indexer/*.c))
IDX_SRC    := $(filter-out indexer/main.c,$(CLI_INDEX_SRC))
TEST_SRC   := $(wildcard tests/unit/test_*.c)
BENCH_SRC  := $(wildcard bench/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
IDX_OBJ   := $(IDX_SRC:%.c=$(B)/%.o)
TESTS     := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

# Two archives of the same objects. libtrawl-internal.a keeps every global name, for the
# indexer, tests and benches that reach past trawl.h; libtrawl.a (installed) is one partially
# linked object whose non-API symbols are made local, so it exports what libtrawl.so exports.
LIBI  := $(B)/libtrawl-internal.a
LIBA  := $(B)/libtrawl.a
LIBSO := $(B)/libtrawl.so
LIBMAP := searcher/libtrawl.map
BINS  := $(B)/trawl-index $(B)/trawl-search

.PHONY: FORCE all deps abi-baseline test unit cli asan tsan fuzz bench bench-scale demo install format format-check clean
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

# Rewritten only when the compiler or its flags change, so that a change of flags (say
# -fvisibility) rebuilds every object instead of mixing old and new ones.
$(B)/.cflags: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(BASE_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(BASE_CFLAGS)' >$@
FORCE:

# Rewritten only when the list of the library's objects changes, so that moving a source into
# libtrawl relinks both libraries although none of their objects is newer than they are.
$(B)/.libobjs: FORCE
	@mkdir -p $(B)
	@echo '$(LIB_OBJ)' | cmp -s - $@ || echo '$(LIB_OBJ)' >$@

$(B)/%.o: %.c $(B)/.cflags | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_$(firstword $(subst /, ,$*))) -c $< -o $@

$(LIBI): $(LIB_OBJ) $(B)/.libobjs
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(B)/libtrawl.o: $(LIB_OBJ) $(B)/.libobjs
	$(LD) -r -o $@ $(LIB_OBJ)
	objcopy --localize-hidden $@

$(LIBA): $(B)/libtrawl.o
	@rm -f $@
	ar rcs $@ $^

# libtrawl.so.X.Y.Z, with the soname link libtrawl.so.X and the link-time name libtrawl.so.
$(LIBSO): $(LIB_OBJ) $(LIBMAP) $(B)/.libobjs
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(LIBMAP) \
		-Wl,--no-undefined -o $(B)/libtrawl.so.$(VERSION) $(LIB_OBJ) $(LDFLAGS) $(LIB_LIBS)
	ln -sf libtrawl.so.$(VERSION) $(B)/$(SONAME)
	ln -sf $(SONAME) $@

$(B)/trawl-index: $(B)/indexer/main.o $(IDX_OBJ) $(LIBI)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS)

# trawl-search uses only trawl.h: it links the installed, localised archive (and ncursesw for
# --interactive, which the library never needs). A terminal search is one short process, and
# the dynamic loader's work is a good part of it: each shared library it maps costs ~0.1 ms on
# the bench machine, and loading libc and libm alone ~0.4 ms (bench/terminal.sh,
# bench/README.md "Terminal"). So it links statically, glibc included (the same Debian -dev
# packages; it resolves no users or hosts, so glibc's static caveats do not apply), and starts
# in 0.67 ms where /bin/true takes 0.77. Not position-independent: a static PIE relocates itself
# at every start (+0.2 ms). Sanitizer builds cannot link statically: they keep libc dynamic.
# SEARCH_STATIC=0 links everything dynamically, as a distribution may prefer.
SEARCH_STATIC ?= 1
ifeq ($(SEARCH_STATIC),1)
ifneq (,$(findstring -fsanitize,$(CFLAGS)))
SEARCH_LIBS = -Wl,-Bstatic -lstemmer -lutf8proc -lxxhash -lz -ldeflate -lncursesw -ltinfo \
              -Wl,-Bdynamic -lm -lpthread
else
SEARCH_LIBS = -static -lstemmer -lutf8proc -lxxhash -lz -ldeflate -lncursesw -ltinfo -lm \
              -lpthread
endif
else
SEARCH_LIBS = $(LIB_LIBS) $(TUI_LIBS)
endif
$(B)/trawl-search: $(CLI_SEARCH_SRC:%.c=$(B)/%.o) $(LIBA)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(SEARCH_LIBS)

$(B)/tests/%: tests/unit/%.c $(IDX_OBJ) $(LIBI) | $(B)/.deps $(B)/.deps-test
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(IDX_OBJ) $(LIBI) $(LDFLAGS) $(LIBS) -lcmocka

$(B)/bench/%: bench/%.c $(IDX_OBJ) $(LIBI) | $(B)/.deps $(B)/.deps-bench
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(IDX_OBJ) $(LIBI) $(LDFLAGS) $(LIBS) -lsqlite3

# The Xapian peer (C++, Debian libxapian-dev) links into the latency bench only, behind the
# bench group's packages: `make` and `make test` need neither Xapian nor a C++ compiler.
XAPIAN_OBJ := $(B)/bench/xapian_peer.o
$(XAPIAN_OBJ): bench/xapian_peer.cc | $(B)/.deps-bench
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -Wall -Wextra -Werror -Wshadow $(CXXFLAGS) -MMD -MP -c $< -o $@
$(B)/bench/latency: bench/latency.c $(XAPIAN_OBJ) $(IDX_OBJ) $(LIBI) | $(B)/.deps $(B)/.deps-bench
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(XAPIAN_OBJ) $(IDX_OBJ) $(LIBI) $(LDFLAGS) $(LIBS) -lsqlite3 \
		-lxapian -lstdc++

# The symbol test's program (tests/cli/symbols.sh): it defines every internal global name of
# the library itself, then searches through libtrawl.a and through libtrawl.so.
$(B)/tests/collide_syms.c: $(LIBI)
	@mkdir -p $(dir $@)
	nm -g --defined-only $< | awk 'NF == 3 && $$3 !~ /^trawl_/ { print $$3 }' | sort -u | \
		awk '{ print "long " $$1 "(void);"; print "long " $$1 "(void) { return -1; }" }' >$@
$(B)/tests/collide-static: tests/embed/collide.c $(B)/tests/collide_syms.c $(LIBA)
	$(CC) $(BASE_CFLAGS) -Isearcher/include -o $@ $^ $(LDFLAGS) $(LIB_LIBS)
$(B)/tests/collide-shared: tests/embed/collide.c $(B)/tests/collide_syms.c $(LIBSO)
	$(CC) $(BASE_CFLAGS) -Isearcher/include -o $@ $(filter %.c,$^) -L$(B) -ltrawl \
		-Wl,-rpath,'$$ORIGIN/..' $(LDFLAGS)

# Unit tests (cmocka), then end-to-end tests through the binaries.
# tests/cli/install.sh checks a copy installed under a fresh prefix, $(B)/stage.
test: all $(B)/.deps-test $(TESTS) $(B)/tests/collide-static $(B)/tests/collide-shared
	@rm -rf $(B)/stage
	@$(MAKE) -s install PREFIX=$(abspath $(B))/stage DESTDIR= >/dev/null
	@sh tests/run.sh $(B)

# At a release: rewrite the ABI baseline of abi/ that tests/cli/abi.sh holds later builds to.
abi-baseline: $(LIBSO) $(B)/.deps-test
	@sh tests/cli/abi.sh $(B) >/dev/null
	@sh tests/cli/abi.sh $(B) --update

asan:
	$(MAKE) MODE=asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

# ThreadSanitizer over the tests that run threads: readers during writes, the threaded build.
TSAN_TESTS = test_concurrency test_live test_build test_fuzzy test_apool
tsan:
	$(MAKE) MODE=tsan CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" $(TSAN_TESTS:%=build/tsan/tests/%)
	@for t in $(TSAN_TESTS); do echo "== tsan $$t"; TSAN_OPTIONS=halt_on_error=1 TRAWL_BUILD=build/tsan build/tsan/tests/$$t || exit 1; done

fuzz:
	@sh .ci/deps fuzz
	@sh tests/fuzz/run.sh

bench: all $(B)/.deps-bench $(BENCHES)
	@sh bench/run.sh $(B)

# Query cost and indexing as the corpus grows 1x, 4x, 16x (bench/growth.sh, ~10 minutes).
bench-scale: all $(B)/.deps-bench $(BENCHES)
	@sh bench/growth.sh $(B)

demo: all
	@rm -rf $(B)/demo-index
	$(B)/trawl-index --rebuild -o $(B)/demo-index tests/data/seeds
	$(B)/trawl-search -i $(B)/demo-index 'rafah "ground invasion"'

install: all $(LIBA)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib
	install -m 755 $(B)/libtrawl.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib
	ln -sf libtrawl.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libtrawl.so
	install -m 644 searcher/include/trawl.h $(DESTDIR)$(PREFIX)/include
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' searcher/trawl.pc.in \
		>$(DESTDIR)$(PREFIX)/lib/pkgconfig/trawl.pc
	install -m 644 docs/trawl-index.1 docs/trawl-search.1 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/trawl.3 $(DESTDIR)$(PREFIX)/share/man/man3
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 completions/trawl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/trawl-search
	install -m 644 completions/trawl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/trawl-index
	install -m 644 completions/_trawl $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_trawl
	install -d $(DESTDIR)$(PYDIR)/trawl
	install -m 644 bindings/python/trawl/__init__.py bindings/python/trawl/distributed.py \
		$(DESTDIR)$(PYDIR)/trawl
	sed "s|^_LIBDIR = ''|_LIBDIR = '$(PREFIX)/lib'|" bindings/python/trawl/_lib.py \
		>$(DESTDIR)$(PYDIR)/trawl/_lib.py

FMT_SRC = $(wildcard common/*.[ch] indexer/*.[ch] searcher/*.[ch] searcher/include/*.h tests/unit/*.[ch] tests/embed/*.c tests/fuzz/*.c bench/*.c bench/xapian_peer.[ch]*)
format:
	clang-format -i $(FMT_SRC)
format-check:
	clang-format --dry-run --Werror $(FMT_SRC)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(IDX_OBJ:.o=.d) $(B)/indexer/main.d $(CLI_SEARCH_SRC:%.c=$(B)/%.d) $(TESTS:=.d) $(BENCHES:=.d) $(XAPIAN_OBJ:.o=.d)
