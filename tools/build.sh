#!/usr/bin/env bash
# Builds the real Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager), the Pulumi CLI and the Pulumi Kubernetes provider
# from the Go module proxy, and, from their source archives, Pulumi's Node.js
# language host (which `pulumi up` on Pulumi.yaml starts) and the multi-cluster
# Argo workflow-controller, for the integration tests.
#
# Binaries land in a per-user cache outside the clone, in a folder keyed by the
# version set, so clones and branches share one build and a version bump never
# reuses a stale binary. A binary that already exists is not rebuilt; a killed
# run can simply be run again (Go's module and build caches keep the work done).
#
# Progress goes to stderr; the last line of stdout is the bin folder:
#   BIN=$(tools/build.sh | tail -1)
#
# Override the cache root with ARGO_MC_TOOLCHAIN_CACHE.
#
# The language host's module (sdk/nodejs/cmd/pulumi-language-nodejs) is not
# served by the Go module proxy either; its source, pulumi/pulumi at
# PULUMI_VERSION reduced to what it builds from, is the archive in
# ../shared/pulumi-language-host/ (ARGO_MC_LANGUAGE_HOST_ARCHIVE overrides its
# path), checked against LANGUAGE_HOST_ARCHIVE_SHA256.
#
# The controller (argoproj/argo-workflows at ARGO_COMMIT, the dev-mc work that
# never shipped) is not served by the Go module proxy, so its source comes from
# the archive in ../shared/argo-controller/ beside the clone (CI puts it there),
# checked against ARGO_ARCHIVE_SHA256 (ARGO_MC_CONTROLLER_ARCHIVE overrides its
# path); only its dependencies come from the proxy. Elsewhere, point
# ARGO_MC_CONTROLLER_SRC at a git checkout of that commit from GitHub. Without either the script fails: the controller tests
# must never be skipped for want of it.
set -euo pipefail

readonly K8S_VERSION=v1.36.3
readonly PULUMI_VERSION=v3.248.0
# The provider module has no v4.25.0 tag the proxy serves; this pseudo-version
# is the commit tagged v4.25.0 upstream (pinned in provider/go.mod).
readonly PROVIDER_VERSION=4.25.0
readonly PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
readonly ARGO_COMMIT=e89b35277dd2cd1619a0f7a6c1dd15cee7caeb79
readonly ARGO_ARCHIVE_SHA256=79276e7bac75a777a2ecd6339566b580cd33fcb3d6ec36a29365e013801b26bd
readonly LANGUAGE_HOST_ARCHIVE_SHA256=6c9817c943511e2faae96486b8eeb54a5a1fded0323a6a1f2cff9242ec2009e3

tools_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${ARGO_MC_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/argo-multicluster/toolchain}
key="k8s-${K8S_VERSION}_pulumi-${PULUMI_VERSION}_provider-${PROVIDER_VERSION}"
bin_dir="$cache_root/$key/bin"
# Argo's own CRDs (Workflow, WorkflowTemplate, ...) from the controller's source, for the tests to apply;
# beside bin/, with a COMMIT file saying which source they came from.
argo_crds_dir="$cache_root/$key/argo-crds"
argo_archive=${ARGO_MC_CONTROLLER_ARCHIVE:-$tools_dir/../../shared/argo-controller/argo-workflows-${ARGO_COMMIT:0:10}.tar.gz}
language_host_archive=${ARGO_MC_LANGUAGE_HOST_ARCHIVE:-$tools_dir/../../shared/pulumi-language-host/pulumi-language-nodejs-${PULUMI_VERSION}-src.tar.gz}

# A newer Go must not be fetched behind our back, the binaries must run on any
# Linux without a C library match, and go.mod/go.sum are inputs, never outputs.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly"

log() { printf 'toolchain: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The machines install Go at /usr/local/go; a CI shell may not have it on PATH.
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH=/usr/local/go/bin:$PATH; fi
command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed)"
mkdir -p "$bin_dir"

# Two test runs starting at once would otherwise build the same thing twice and
# race on the provider's generated files.
if command -v flock >/dev/null; then
  exec 9>"$cache_root/$key/.lock"
  flock 9
fi

# Leftovers of a run killed mid-link; never taken for a finished binary, but they take space.
rm -f "$bin_dir"/.*.tmp.*
rm -rf "$argo_crds_dir".tmp.*

total_start=$SECONDS
built=0

# build <binary name> <module folder> <version check command or ""> -- <go build args...>
# Builds into a temporary name and renames only on success, so an interrupted
# link never leaves a file that a later run would take as finished.
build() {
  local name=$1 dir=$2 check=$3
  shift 4
  local out="$bin_dir/$name"
  if [[ -x $out ]]; then
    log "$name: present, skipped"
    return 0
  fi
  local tmp="$bin_dir/.$name.tmp.$$"
  log "$name: building (in $dir)"
  local start=$SECONDS
  if ! (cd "$dir" && go build -trimpath -o "$tmp" "$@") >&2; then
    rm -f "$tmp"
    die "$name: go build failed (see output above)"
  fi
  if [[ -n $check ]] && ! "$tmp" $check >&2; then
    rm -f "$tmp"
    die "$name: built, but '$name $check' failed"
  fi
  mv -f "$tmp" "$out"
  built=$((built + 1))
  log "$name: built in $((SECONDS - start)) s"
}

k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION}"
k8s_ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
k8s_ldflags+=" -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$K8S_VERSION")"

# etcd is built from the kube module so that it is exactly the version this
# Kubernetes release requires. Its package is the module root, which go would
# name "server", hence the explicit name.
build etcd "$tools_dir/kube" --version -- \
  -pgo=off -ldflags "-s -w" go.etcd.io/etcd/server/v3
build kube-apiserver "$tools_dir/kube" --version -- \
  -pgo=off -ldflags "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager "$tools_dir/kube" --version -- \
  -pgo=off -ldflags "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-controller-manager

# The Automation API refuses a CLI whose `pulumi version` it cannot parse, so
# the version must be stamped in.
build pulumi "$tools_dir/pulumi" version -- \
  -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

if [[ ! -x $bin_dir/pulumi-resource-kubernetes ]]; then
  # main.go embeds files generated from the module's own schema and mapping.
  log "pulumi-resource-kubernetes: generating embedded schema and mapping"
  (cd "$tools_dir/provider" && go mod download "$PROVIDER_MODULE") >&2 \
    || die "pulumi-resource-kubernetes: downloading $PROVIDER_MODULE failed"
  provider_src=$(cd "$tools_dir/provider" && go list -m -f '{{.Dir}}' "$PROVIDER_MODULE") \
    || die "pulumi-resource-kubernetes: locating $PROVIDER_MODULE failed"
  [[ -n $provider_src ]] || die "pulumi-resource-kubernetes: $PROVIDER_MODULE is not in the module cache"
  (cd "$tools_dir/provider" && go run gen.go "$provider_src" "$PROVIDER_VERSION" .) >&2 \
    || die "pulumi-resource-kubernetes: generating schema.json/terraform-mapping.json failed"
fi
# The plugin has no version flag; it is exercised by `pulumi plugin install` instead.
build pulumi-resource-kubernetes "$tools_dir/provider" "" -- \
  -ldflags "-s -w -X ${PROVIDER_MODULE}/pkg/version.Version=${PROVIDER_VERSION}" .

# Source trees unpacked from the archives, removed however the script ends.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# check_archive <what> <path> <sha256>: an archive is unpacked only once its digest matches.
check_archive() {
  [[ -f $2 ]] || die "the $1 source archive is missing: $2
  (CI keeps it in shared/ beside the clone)"
  local sum
  sum=$(sha256sum "$2" | cut -d' ' -f1)
  [[ $sum == "$3" ]] || die "$2 has sha256 $sum, expected $3"
}

# The language host is checked like the other binaries: by the version it prints, which must be the CLI's.
if [[ -x $bin_dir/pulumi-language-nodejs && $("$bin_dir/pulumi-language-nodejs" -version 2>&1 || true) != "$PULUMI_VERSION" ]]; then
  log "pulumi-language-nodejs: cached binary is not $PULUMI_VERSION, rebuilding"
  rm -f "$bin_dir/pulumi-language-nodejs"
fi
if [[ ! -x $bin_dir/pulumi-language-nodejs ]]; then
  check_archive "Pulumi Node.js language host" "$language_host_archive" "$LANGUAGE_HOST_ARCHIVE_SHA256"
  mkdir "$scratch/language-host"
  tar -xzf "$language_host_archive" -C "$scratch/language-host" || die "unpacking $language_host_archive failed"
fi
build pulumi-language-nodejs "$scratch/language-host/sdk/nodejs/cmd/pulumi-language-nodejs" -version -- \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}" .

# The controller's source, checked before anything is built from it: the
# archive by its digest, a checkout by its commit.
controller_src=$scratch/controller
mkdir "$controller_src"
if [[ -n ${ARGO_MC_CONTROLLER_SRC:-} ]]; then
  head=$(git -C "$ARGO_MC_CONTROLLER_SRC" rev-parse HEAD 2>/dev/null) \
    || die "ARGO_MC_CONTROLLER_SRC=$ARGO_MC_CONTROLLER_SRC is not a git checkout of argoproj/argo-workflows"
  [[ $head == "$ARGO_COMMIT" ]] \
    || die "ARGO_MC_CONTROLLER_SRC is at $head; check out $ARGO_COMMIT (git fetch origin $ARGO_COMMIT && git checkout $ARGO_COMMIT)"
  git -C "$ARGO_MC_CONTROLLER_SRC" archive "$ARGO_COMMIT" go.mod go.sum version.go cmd config errors persist pkg server util workflow manifests/base/crds/minimal \
    | tar -x -C "$controller_src" || die "reading $ARGO_COMMIT from $ARGO_MC_CONTROLLER_SRC failed"
else
  [[ -f $argo_archive ]] || die "the Argo controller source archive is missing: $argo_archive
  (CI keeps it in shared/argo-controller/ beside the clone; elsewhere set ARGO_MC_CONTROLLER_SRC to a git checkout of
  https://github.com/argoproj/argo-workflows at $ARGO_COMMIT)"
  check_archive "Argo controller" "$argo_archive" "$ARGO_ARCHIVE_SHA256"
  tar -xzf "$argo_archive" -C "$controller_src" || die "unpacking $argo_archive failed"
fi

# A cached controller counts only if it was built from this commit.
if [[ -x $bin_dir/workflow-controller && $("$bin_dir/workflow-controller" version 2>&1 || true) != *"GitCommit: $ARGO_COMMIT"* ]]; then
  log "workflow-controller: cached binary is not from $ARGO_COMMIT, rebuilding"
  rm -f "$bin_dir/workflow-controller"
fi
# The archive's go.sum is upstream's and the copy is ours to change, so go may
# complete it from the proxy; the commit is stamped in for the check above.
GOFLAGS=-mod=mod build workflow-controller "$controller_src" version -- \
  -ldflags "-s -w -X github.com/argoproj/argo-workflows/v3.gitCommit=${ARGO_COMMIT}" ./cmd/workflow-controller

if [[ $(cat "$argo_crds_dir/COMMIT" 2>/dev/null) != "$ARGO_COMMIT" ]]; then
  compgen -G "$controller_src/manifests/base/crds/minimal/argoproj.io_*.yaml" >/dev/null \
    || die "the controller source has no manifests/base/crds/minimal/argoproj.io_*.yaml"
  tmp_crds="$argo_crds_dir.tmp.$$"
  rm -rf "$tmp_crds" && mkdir -p "$tmp_crds"
  cp "$controller_src"/manifests/base/crds/minimal/argoproj.io_*.yaml "$tmp_crds/"
  printf '%s\n' "$ARGO_COMMIT" >"$tmp_crds/COMMIT"
  rm -rf "$argo_crds_dir"
  mv "$tmp_crds" "$argo_crds_dir"
  log "argo CRDs: copied to $argo_crds_dir"
fi

log "done: $built built, $((SECONDS - total_start)) s in all"
printf '%s\n' "$bin_dir"
