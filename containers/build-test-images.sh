#!/usr/bin/env bash
# Builds the test model image context-vault/test-model:latest without any registry: FROM scratch
# with this machine's node binary, the shared libraries ldd lists for it, and the test server.
# CI runs this before `npm test`. Usage: containers/build-test-images.sh [image-tag]
set -euo pipefail
cd "$(dirname "$0")/.."
TAG="${1:-context-vault/test-model:latest}"
CTX="$(mktemp -d)"
trap 'rm -rf "$CTX"' EXIT

NODE_BIN="$(readlink -f "$(command -v node)")"
mkdir -p "$CTX/rootfs/usr/local/bin" "$CTX/rootfs/app" "$CTX/rootfs/tmp" "$CTX/rootfs/home/model" "$CTX/rootfs/etc"
cp "$NODE_BIN" "$CTX/rootfs/usr/local/bin/node"
# Every library the dynamic loader needs, at the same path as on the host (the loader included).
for lib in $(ldd "$NODE_BIN" | grep -oE '/[^ )]+'); do
  mkdir -p "$CTX/rootfs$(dirname "$lib")"
  cp -L "$lib" "$CTX/rootfs$lib"
done
cp containers/test-model/server.mjs containers/test-model/model-logic.mjs "$CTX/rootfs/app/"
printf 'root:x:0:0::/root:/sbin/nologin\nnobody:x:65534:65534::/home/model:/sbin/nologin\n' > "$CTX/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$CTX/rootfs/etc/group"
chmod 1777 "$CTX/rootfs/tmp" "$CTX/rootfs/home/model"

cat > "$CTX/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
# HOME and /tmp are the only writable paths; the pool mounts tmpfs on both.
ENV HOME=/home/model PATH=/usr/local/bin PORT=11434 HOST=0.0.0.0
USER 65534:65534
EXPOSE 11434
ENTRYPOINT ["/usr/local/bin/node", "/app/server.mjs"]
DOCKERFILE

# The sources' hash as a label, so test helpers can tell a stale image from a current one.
REV="$(cat containers/test-model/server.mjs containers/test-model/model-logic.mjs | sha256sum | cut -c1-16)"
docker build --quiet --label context-vault.image=test-model --label "context-vault.test-model.rev=$REV" -t "$TAG" "$CTX" >/dev/null
echo "built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG") bytes)"
