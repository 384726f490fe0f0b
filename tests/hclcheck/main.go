// SPDX-License-Identifier: MIT
//
// hclcheck parses every .tf and .tfvars file under the given directories
// with HashiCorp's own HCL2 parser and checks, per Terraform module
// (directory), that every var.X an expression uses and every key a
// .tfvars file sets is declared by a variable block of that module, and
// that no file holds khora template syntax ("{{") or a shell-style "$".
// Prints "file:line:col: problem" lines; exit status 1 on any.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

type module struct {
	declared map[string]bool
	uses     []use
}

type use struct {
	name string
	rng  hcl.Range
	what string
}

var problems int

func report(rng hcl.Range, format string, args ...interface{}) {
	fmt.Printf("%s:%d:%d: %s\n", rng.Filename, rng.Start.Line,
		rng.Start.Column, fmt.Sprintf(format, args...))
	problems++
}

func walkBody(body *hclsyntax.Body, m *module) {
	for _, attr := range body.Attributes {
		walkExpr(attr.Expr, m)
	}
	for _, block := range body.Blocks {
		if block.Type == "variable" && len(block.Labels) == 1 {
			m.declared[block.Labels[0]] = true
		}
		walkBody(block.Body, m)
	}
}

func walkExpr(expr hclsyntax.Expression, m *module) {
	for _, trav := range expr.Variables() {
		if trav.RootName() != "var" || len(trav) < 2 {
			continue
		}
		if attr, ok := trav[1].(hcl.TraverseAttr); ok {
			m.uses = append(m.uses, use{attr.Name, trav.SourceRange(),
				"used"})
		}
	}
}

func main() {
	modules := map[string]*module{}
	get := func(dir string) *module {
		if modules[dir] == nil {
			modules[dir] = &module{declared: map[string]bool{}}
		}
		return modules[dir]
	}
	files := 0
	for _, root := range os.Args[1:] {
		err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			tf := strings.HasSuffix(path, ".tf")
			tfvars := strings.HasSuffix(path, ".tfvars")
			if info.IsDir() || (!tf && !tfvars) {
				return nil
			}
			files++
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			start := hcl.Range{Filename: path, Start: hcl.InitialPos}
			if strings.Contains(string(src), "{{") {
				report(start, "unrendered template syntax")
			}
			if strings.Contains(string(src), "$") {
				report(start, "'$' (unexpanded placeholder?)")
			}
			file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
			for _, d := range diags {
				report(*d.Subject, "%s: %s", d.Summary, d.Detail)
			}
			if diags.HasErrors() {
				return nil
			}
			m := get(filepath.Dir(path))
			body := file.Body.(*hclsyntax.Body)
			if tfvars {
				for name, attr := range body.Attributes {
					m.uses = append(m.uses, use{name, attr.NameRange, "set"})
				}
				return nil
			}
			walkBody(body, m)
			return nil
		})
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
	}
	dirs := make([]string, 0, len(modules))
	for dir := range modules {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		m := modules[dir]
		for _, u := range m.uses {
			if !m.declared[u.name] {
				report(u.rng, "variable %q is %s but not declared in %s",
					u.name, u.what, dir)
			}
		}
	}
	if files == 0 {
		fmt.Println("hclcheck: no .tf or .tfvars file found")
		os.Exit(1)
	}
	fmt.Printf("hclcheck: %d files, %d modules, %d problems\n", files,
		len(modules), problems)
	if problems > 0 {
		os.Exit(1)
	}
}
