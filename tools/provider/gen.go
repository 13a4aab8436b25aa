//go:build ignore

// Writes the two files that main.go embeds, from the copies inside the
// provider module, the way upstream's go generate step does: the schema gains
// the release version, and both are compacted.
//
// Usage: go run gen.go <provider module dir> <version> <output dir>
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 4 {
		fail(fmt.Errorf("usage: go run gen.go <provider module dir> <version> <output dir>"))
	}
	src := filepath.Join(os.Args[1], "cmd", "pulumi-resource-kubernetes")
	version, out := os.Args[2], os.Args[3]

	// Only the top level is decoded, so everything below keeps upstream's key order.
	var spec map[string]json.RawMessage
	decode(filepath.Join(src, "schema.json"), &spec)
	v, err := json.Marshal(version)
	if err != nil {
		fail(err)
	}
	spec["version"] = v
	encoded, err := json.Marshal(spec)
	if err != nil {
		fail(err)
	}
	write(filepath.Join(out, "schema.json"), encoded)

	raw, err := os.ReadFile(filepath.Join(src, "terraform-mapping.json"))
	if err != nil {
		fail(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		fail(fmt.Errorf("terraform-mapping.json: %w", err))
	}
	write(filepath.Join(out, "terraform-mapping.json"), compact.Bytes())
}

func decode(path string, into any) {
	raw, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		fail(fmt.Errorf("%s: %w", path, err))
	}
}

// Writing through a temporary file keeps an interrupted run from leaving a
// truncated file that a later build would embed.
func write(path string, data []byte) {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
