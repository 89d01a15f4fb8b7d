# The "seed" flow's app image: the workspace's own crates and the UI built on the base's
# compiled dependencies, then only what runs copied onto an empty image.
#
#   buildah bud --isolation chroot --build-arg BASE=<realistic-base image> -f Dockerfile.app -t realistic .
ARG BASE=localhost/realistic-base:latest
FROM ${BASE} AS build
WORKDIR /src
COPY crates/ crates/
RUN cargo build --release --locked
COPY ui/ ui/
RUN cd ui && npm run build

FROM scratch
# What the binaries load (ldd): Debian 12's glibc and libgcc; libm only for rustc 1.63's output.
COPY --from=build /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2
COPY --from=build /usr/lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libm.so.6 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 /lib/x86_64-linux-gnu/
COPY --from=build /src/target/release/realistic-server /src/target/release/realistic-ctl /app/
COPY --from=build /src/ui/out/ /app/ui/
COPY config/default.json /etc/realistic/config.json
ENV PORT=8080 UI_DIR=/app/ui
USER 10001:10001
WORKDIR /app
EXPOSE 8080
ENTRYPOINT ["/app/realistic-server"]
CMD ["-f", "/etc/realistic/config.json"]
