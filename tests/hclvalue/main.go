// SPDX-License-Identifier: MIT
//
// hclvalue evaluates every attribute of one HCL2 file with HashiCorp's
// own parser and no variables or functions, and prints "name hex" per
// attribute (the UTF-8 bytes of its string value, in hex), sorted by
// name.  tests/unit/check_escape.c uses it to read x-hcl's literals
// back.  Exit status 1 when the file does not parse or a value is not
// a known string.
package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hclvalue FILE")
		os.Exit(2)
	}
	src, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, diags := hclsyntax.ParseConfig(src, os.Args[1],
		hcl.InitialPos)
	if diags.HasErrors() {
		fmt.Fprintln(os.Stderr, diags.Error())
		os.Exit(1)
	}
	body := f.Body.(*hclsyntax.Body)
	names := make([]string, 0, len(body.Attributes))
	for name := range body.Attributes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v, d := body.Attributes[name].Expr.Value(nil)
		if d.HasErrors() || !v.IsKnown() || v.Type() != cty.String {
			fmt.Fprintf(os.Stderr, "%s: not a string: %s\n", name,
				d.Error())
			os.Exit(1)
		}
		fmt.Printf("%s %s\n", name, hex.EncodeToString([]byte(v.AsString())))
	}
}
