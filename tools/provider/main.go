// Command pulumi-resource-kubernetes is the Pulumi Kubernetes provider plugin,
// built from the published provider module.
//
// Upstream's own main cannot be built from the module because it embeds files
// that only its go generate step produces; tools/build.sh produces the same two
// files next to this one (see gen.go) before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

// The engine reads the package schema from the plugin itself, and the SDK
// asks for exactly the version recorded in it, so it carries the release number.
//
//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
