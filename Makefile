# khora - plain GNU make.  Targets: all check bench demo install uninstall
# clean.  Variables: prefix (or PREFIX) DESTDIR libdir datadir ... CC
# CFLAGS CPPFLAGS LDFLAGS (used by every compile and link, plugins and
# test fixtures included) V=1 SANITIZE=1 DEVELOPER=1 (adds -Werror
# -Wextra -Wshadow and ASan+UBSan).
#
# What a packager can rely on (tools/check-build proves it in make check):
# objects depend on the headers they include (-MMD -MP), `make -q` says 0
# after a build, -jN from a clean tree works, and `make install` only
# copies: it never runs what it built (completion/ is shipped as source).
VERSION = 0.1.0
# the ABI numbers have one definition, in the SDK header
abi_number = $(shell sed -n 's/^\#define KHORA_ABI_$(1) \([0-9]*\)$$/\1/p' \
	plugin-sdk/khora-plugin.h)
ABI_MAJOR := $(call abi_number,MAJOR)
ABI_MINOR := $(call abi_number,MINOR)

PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
libdir ?= $(exec_prefix)/lib
datadir ?= $(prefix)/share
includedir ?= $(prefix)/include
mandir ?= $(datadir)/man
plugindir ?= $(libdir)/khora/plugins
templatedir ?= $(datadir)/khora/templates

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	-Wstrict-prototypes -Wwrite-strings -Wformat=2
ifeq ($(DEVELOPER),1)
WARNINGS += -Werror -Wshadow
SANITIZE = 1
endif
ifeq ($(SANITIZE),1)
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
endif

YAML_CFLAGS := $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

ALL_CFLAGS = -std=c99 $(WARNINGS) $(CFLAGS) $(SANFLAGS) $(YAML_CFLAGS)
ALL_CPPFLAGS = -Icore -Iplugin-sdk -DKHORA_VERSION='"$(VERSION)"' \
	-DPLUGINDIR='"$(plugindir)"' -DTEMPLATEDIR='"$(templatedir)"' \
	$(CPPFLAGS)
# the linker's cheap wins for start-up: optimised hash tables, no
# DT_NEEDED for a library nothing uses (each one is an open and mmaps)
LINK_OPT = -Wl,-O1 -Wl,--as-needed -Wl,--hash-style=gnu
ALL_LDFLAGS = $(SANFLAGS) $(LINK_OPT) -pthread $(LDFLAGS)
PLUGIN_CFLAGS = -std=c99 $(WARNINGS) $(CFLAGS) -fPIC -fvisibility=hidden \
	-Iplugin-sdk $(CPPFLAGS)
PLUGIN_LDFLAGS = -shared -Wl,--no-undefined $(LINK_OPT) \
	-Wl,--version-script=plugin-sdk/khora-plugin.map $(LDFLAGS)

ifneq ($(V),1)
Q = @
QCC = @echo '  CC      ' $@;
QLD = @echo '  LD      ' $@;
endif

CORE_SRCS = $(filter-out core/main.c,$(wildcard core/*.c))
CORE_OBJS = $(CORE_SRCS:.c=.o)
PLUGINS = $(filter-out %.h,$(notdir $(wildcard plugins/*)))
PLUGIN_SOS = $(foreach p,$(PLUGINS),plugins/$(p)/$(p).so)
FIXTURES = $(notdir $(wildcard tests/fixtures/plugins/*))
FIXTURE_SOS = $(foreach p,$(FIXTURES),$(if $(wildcard \
	tests/fixtures/plugins/$(p)/$(p).c),tests/fixtures/plugins/$(p)/$(p).so))
UNIT_SRCS = $(wildcard tests/unit/check_*.c)
UNIT_BINS = $(UNIT_SRCS:.c=)

all: khora $(PLUGIN_SOS)

# Rebuild when the flags change (a new prefix changes PLUGINDIR).  The
# flags file is remade only when its text differs, which make knows
# while it reads this file: after a build `make -q` has nothing to do.
CORE_FLAGS = $(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS)
PLUGIN_FLAGS = $(CC) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS)
ifneq ($(file <core/.build-flags),$(CORE_FLAGS))
core/.build-flags: FORCE
endif
ifneq ($(file <plugins/.build-flags),$(PLUGIN_FLAGS))
plugins/.build-flags: FORCE
endif
# printf, not $(file >...): `make -n` must not write it
core/.build-flags:
	@printf '%s\n' '$(subst ','\'',$(CORE_FLAGS))' >$@
plugins/.build-flags:
	@printf '%s\n' '$(subst ','\'',$(PLUGIN_FLAGS))' >$@

# -MMD -MP: each object depends on the headers it includes, no more
DEPFLAGS = -MMD -MP
-include $(wildcard core/*.d tests/unit/.*.d tests/fuzz/build/*.d)

core/%.o: core/%.c core/.build-flags
	$(QCC)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

core/libkhora.a: $(CORE_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

khora: core/main.o core/libkhora.a
	$(QLD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(YAML_LIBS) -ldl

plugins/%.so: plugins/%.c plugin-sdk/khora-plugin.h plugins/pins.h \
	plugins/pytext.h \
	plugin-sdk/khora-plugin.map plugins/.build-flags
	$(QCC)$(CC) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $<

tests/fixtures/plugins/%.so: tests/fixtures/plugins/%.c \
	plugin-sdk/khora-plugin.h plugins/.build-flags
	$(QCC)$(CC) $(PLUGIN_CFLAGS) $(FIXTURE_CFLAGS_$(notdir $*)) \
		-shared $(LDFLAGS) -o $@ $< $(FIXTURE_LIBS_$(notdir $*))

# a plugin written in C++, built as a third party would (the SDK's flags,
# its version script, -pedantic -Werror) and loaded by e2e case 8510
CXX_FIXTURES = tests/fixtures/plugins/cxx_plugin/cxx_plugin.so
CXX_PLUGIN_FLAGS = -std=c++17 -Wall -Wextra -pedantic -Werror $(CXXFLAGS) \
	-fPIC -fvisibility=hidden -Iplugin-sdk $(CPPFLAGS)
tests/fixtures/plugins/%.so: tests/fixtures/plugins/%.cc \
	plugin-sdk/khora-plugin.h plugin-sdk/khora-plugin.map
	$(QCC)$(CXX) $(CXX_PLUGIN_FLAGS) $(PLUGIN_LDFLAGS) -o $@ $<

# plugins built against the next minor of the ABI (a header generated
# from the real one), loaded by this khora: forward compatibility
NEXT_FIXTURES = next_needs next_guarded next_plain
tests/abi/khora-plugin-next.h: plugin-sdk/khora-plugin.h \
	tests/abi/next-header.awk
	$(Q)awk -f tests/abi/next-header.awk $< >$@
$(foreach p,$(NEXT_FIXTURES),tests/fixtures/plugins/$(p)/$(p).so): \
	tests/abi/khora-plugin-next.h
$(foreach p,$(NEXT_FIXTURES),$(eval FIXTURE_CFLAGS_$(p) = -Itests/abi))

# the fixture that needs a library that does not exist at run time
FIXTURE_LIBS_missing_dep = -Ltests/fixtures/plugins/missing_dep \
	-Wl,-rpath,/nonexistent -lkhora_gone
tests/fixtures/plugins/missing_dep/missing_dep.so: \
	tests/fixtures/plugins/missing_dep/libkhora_gone.so
tests/fixtures/plugins/missing_dep/libkhora_gone.so: \
	tests/fixtures/plugins/missing_dep/gone.c
	$(QCC)$(CC) $(CFLAGS) $(CPPFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $<

# their dependency files are hidden: tests/unit/check_* are the suites
tests/unit/check_%: tests/unit/check_%.c core/libkhora.a
	$(QCC)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(DEPFLAGS) \
		-MF tests/unit/.check_$*.d \
		$(ALL_LDFLAGS) -o $@ $< core/libkhora.a $(CHECK_LIBS) \
		$(YAML_LIBS) -ldl

tests/abi/abi_test: tests/abi/abi_test.c plugin-sdk/khora-plugin.h
	$(QCC)$(CC) -std=c99 $(WARNINGS) $(CFLAGS) -Iplugin-sdk $(CPPFLAGS) \
		$(LDFLAGS) -o $@ $<

tests/fixtures/libfault.so: tests/fixtures/libfault.c
	$(QCC)$(CC) $(CFLAGS) $(CPPFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $< -ldl

# the Terraform checker, in Go against Debian's packaged HCL2 (GOPATH mode)
tests/hclcheck/hclcheck: tests/hclcheck/main.go
	$(Q)GO111MODULE=off GOPATH=/usr/share/gocode \
		GOCACHE=$(CURDIR)/tests/tmp/gocache go build -o $@ ./tests/hclcheck
tests/hclvalue/hclvalue: tests/hclvalue/main.go
	$(Q)GO111MODULE=off GOPATH=/usr/share/gocode \
		GOCACHE=$(CURDIR)/tests/tmp/gocache go build -o $@ ./tests/hclvalue

# libFuzzer targets (clang): the core built again with the fuzzer's and
# the sanitizers' instrumentation, in tests/fuzz/build/
FUZZ_CC = clang
FUZZ_FLAGS = -std=c99 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS = config sidecar template manifest
FUZZ_OBJS = $(patsubst core/%.c,tests/fuzz/build/%.o,$(CORE_SRCS))
FUZZ_BINS = $(foreach t,$(FUZZ_TARGETS),tests/fuzz/fuzz_$(t))
FUZZ_SECONDS ?= 60

tests/fuzz/build/%.o: core/%.c
	@mkdir -p tests/fuzz/build
	$(QCC)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
		$(ALL_CPPFLAGS) $(YAML_CFLAGS) $(DEPFLAGS) -c -o $@ $<

tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(QLD)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(ALL_CPPFLAGS) \
		-o $@ $< $(FUZZ_OBJS) $(YAML_LIBS) -ldl

fuzz-progs: $(FUZZ_BINS)
.SECONDARY: $(FUZZ_OBJS)

# make fuzz [FUZZ_SECONDS=60]: each target that long; new inputs go to
# fuzz-out/, crashes to fuzz-out/crash-* (keep them as seeds)
fuzz: fuzz-progs
	@mkdir -p fuzz-out
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz-out/$$t; \
		tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=fuzz-out/ \
			fuzz-out/$$t tests/fuzz/$$t || exit 1; \
	done

test-progs: all $(UNIT_BINS) tests/abi/abi_test $(FIXTURE_SOS) \
	$(CXX_FIXTURES) tests/hclcheck/hclcheck tests/hclvalue/hclvalue \
	tests/fixtures/libfault.so tools/bench-plugin/bench_files.so

# the Check suites and the ABI numbers only: what a package build runs
unit-check: $(UNIT_BINS) tests/abi/abi_test
	$(Q)for t in $(UNIT_BINS) tests/abi/abi_test; do $$t || exit 1; done

# check and demo install missing packages first, then build with a fresh
# make (so that pkg-config answers with the packages installed)
check:
	$(Q)tools/install-deps
	$(Q)$(MAKE) --no-print-directory test-progs
	$(Q)tools/run-checks

# line and branch coverage of core/ by unit and e2e tests, built apart
# in build-cov/ (the normal objects are left alone)
coverage:
	$(Q)tools/coverage

# check, then every combination of features and choices through the
# tools a generated project's CI runs (10,000 projects: hours)
check-all: check
	$(Q)/usr/bin/python3 tests/run-projects.py --all

demo:
	$(Q)tools/install-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo $(EXAMPLE)

tools/writetree: tools/writetree.c
	$(QCC)$(CC) -std=c99 $(WARNINGS) $(CFLAGS) $(CPPFLAGS) -pthread \
		$(LDFLAGS) -o $@ $<

tools/bench-plugin/bench_files.so: tools/bench-plugin/bench_files.c \
	plugin-sdk/khora-plugin.h
	$(QCC)$(CC) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $<

tools/peakrss: tools/peakrss.c
	$(QCC)$(CC) $(WARNINGS) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $<

bench: all tools/writetree tools/peakrss tools/bench-plugin/bench_files.so
	$(Q)tools/bench

# the SDK alone (header, version script, pkg-config file): nothing to
# build, so that a test can stage it without rebuilding for a prefix
install-sdk:
	install -d $(DESTDIR)$(includedir)/khora \
		$(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(datadir)/khora
	install -m 644 plugin-sdk/khora-plugin.h $(DESTDIR)$(includedir)/khora/
	install -m 644 plugin-sdk/khora-plugin.map $(DESTDIR)$(datadir)/khora/
	sed -e 's|@prefix@|$(prefix)|' -e 's|@includedir@|$(includedir)|' \
		-e 's|@libdir@|$(libdir)|' -e 's|@plugindir@|$(plugindir)|' \
		-e 's|@templatedir@|$(templatedir)|' \
		-e 's|@datadir@|$(datadir)|' -e 's|@version@|$(VERSION)|' \
		-e 's|@abi_major@|$(ABI_MAJOR)|' -e 's|@abi_minor@|$(ABI_MINOR)|' \
		plugin-sdk/khora-plugin.pc.in \
		> $(DESTDIR)$(libdir)/pkgconfig/khora-plugin.pc

install: all install-sdk
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(plugindir) \
		$(DESTDIR)$(templatedir) $(DESTDIR)$(datadir)/khora \
		$(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 \
		$(DESTDIR)$(mandir)/man7
	install -m 755 khora $(DESTDIR)$(bindir)/khora
	for p in $(PLUGINS); do \
		install -m 644 plugins/$$p/$$p.so plugins/$$p/$$p.plugin \
			$(DESTDIR)$(plugindir)/ || exit 1; \
	done
	cp -R templates/. $(DESTDIR)$(templatedir)/
	install -m 644 doc/khora-context.schema.json $(DESTDIR)$(datadir)/khora/
	awk -f tools/plugin-packages plugins/*/*.plugin \
		> $(DESTDIR)$(datadir)/khora/packages
	install -d $(DESTDIR)$(datadir)/bash-completion/completions \
		$(DESTDIR)$(datadir)/zsh/vendor-completions \
		$(DESTDIR)$(datadir)/fish/vendor_completions.d
	install -m 644 completion/khora.bash \
		$(DESTDIR)$(datadir)/bash-completion/completions/khora
	install -m 644 completion/_khora \
		$(DESTDIR)$(datadir)/zsh/vendor-completions/_khora
	install -m 644 completion/khora.fish \
		$(DESTDIR)$(datadir)/fish/vendor_completions.d/khora.fish
	install -m 644 doc/khora.1 $(DESTDIR)$(mandir)/man1/
	install -m 644 doc/khora.yaml.5 doc/khora-template.5 \
		$(DESTDIR)$(mandir)/man5/
	install -m 644 doc/khora-plugin.7 doc/khora-update.7 \
		$(DESTDIR)$(mandir)/man7/

# completion/ is a source, shipped so that install runs nothing it
# built; after changing the commands, regenerate it (check-build fails
# while it differs from what ./khora prints)
update-completion: khora
	./khora completion bash >completion/khora.bash
	./khora completion zsh >completion/_khora
	./khora completion fish >completion/khora.fish

uninstall:
	rm -f $(DESTDIR)$(bindir)/khora
	for p in $(PLUGINS); do \
		rm -f $(DESTDIR)$(plugindir)/$$p.so \
			$(DESTDIR)$(plugindir)/$$p.plugin; \
	done
	rm -rf $(DESTDIR)$(templatedir)
	rm -f $(DESTDIR)$(includedir)/khora/khora-plugin.h \
		$(DESTDIR)$(datadir)/khora/khora-plugin.map \
		$(DESTDIR)$(datadir)/khora/khora-context.schema.json \
		$(DESTDIR)$(datadir)/khora/packages \
		$(DESTDIR)$(libdir)/pkgconfig/khora-plugin.pc \
		$(DESTDIR)$(mandir)/man1/khora.1 \
		$(DESTDIR)$(mandir)/man5/khora.yaml.5 \
		$(DESTDIR)$(mandir)/man5/khora-template.5 \
		$(DESTDIR)$(mandir)/man7/khora-plugin.7 \
		$(DESTDIR)$(mandir)/man7/khora-update.7 \
		$(DESTDIR)$(datadir)/bash-completion/completions/khora \
		$(DESTDIR)$(datadir)/zsh/vendor-completions/_khora \
		$(DESTDIR)$(datadir)/fish/vendor_completions.d/khora.fish
	-rmdir $(DESTDIR)$(plugindir) $(DESTDIR)$(libdir)/khora \
		$(DESTDIR)$(includedir)/khora $(DESTDIR)$(datadir)/khora \
		2>/dev/null

clean:
	rm -f khora core/*.o core/*.d core/libkhora.a core/.build-flags \
		plugins/.build-flags $(PLUGIN_SOS) $(UNIT_BINS) tests/unit/.*.d \
		tests/abi/abi_test tests/fixtures/plugins/*/*.so \
		tests/abi/khora-plugin-next.h \
		tests/fixtures/libfault.so tests/hclcheck/hclcheck \
		tests/hclvalue/hclvalue \
		tools/writetree tools/peakrss tools/bench-plugin/bench_files.so \
		$(FUZZ_BINS)
	rm -rf tests/tmp tests/fuzz/build build-cov

.PHONY: all check check-all coverage demo bench install install-sdk \
	uninstall clean test-progs FORCE unit-check update-completion \
	fuzz fuzz-progs
.DELETE_ON_ERROR:
