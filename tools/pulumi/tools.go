//go:build tools

// Package tools only records, for go mod tidy, which upstream program this
// module builds; it is never compiled.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
