# next-header.awk - plugin-sdk/khora-plugin.h as the next minor of the
# ABI will be: KHORA_ABI_MINOR + 1 and one more function at the end of
# struct khora_host.  Generated at build time (never a stale copy), so
# that it stays one minor ahead of the real header whatever is appended
# to it: the tests/fixtures/plugins/next_* plugins are built against it
# and loaded by the current khora (e2e 8520-8522).
/^#define KHORA_ABI_MINOR [0-9]+$/ {
	print "#define KHORA_ABI_MINOR " ($3 + 1)
	next
}
/^struct khora_host \{/ { in_host = 1 }
in_host && /^};/ {
	print "\t/* simulated: a function of the next minor */"
	print "\tint (*next_minor_fn)(khora_ctx *ctx, const char *what);"
	in_host = 0
}
{ print }
