# The function image for kpt `image:` pipelines and the Argo CD sidecar: the static binary
# on an empty base, as a non-root user, the function as entrypoint.
#
# Build (no Docker engine runs on the CI machines, so this is documented, not built there):
#   scripts/build-static                       # builds (profile dist), checks `ldd`, runs the e2e tests on it
#   docker build -t maverics-krm:$(git describe --always) .
#
# The binary needs nothing from the image: no libc (statically linked), no shell, no CA
# certificates (it makes no network calls), no writable files.
FROM scratch
COPY target/x86_64-unknown-linux-gnu/dist/maverics-krm /maverics-krm
# nobody:nogroup; the KRM function spec asks functions to run as an unprivileged user.
USER 65534:65534
ENTRYPOINT ["/maverics-krm"]
