# Checkup container: a self-contained `deno compile` executable on a distroless runtime, as non-root.
#   docker build -t checkup .
#   docker run -d -p 3000:3000 -v "$PWD/checkup.json:/config/checkup.json:ro" -v checkup-data:/data checkup
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY . .
RUN deno install --frozen --entrypoint main.ts \
 && deno compile -A --v8-flags=--max-semi-space-size=4 --output /out/checkup main.ts \
 && mkdir -p /out/data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/checkup /usr/local/bin/checkup
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
ENV XDG_STATE_HOME=/data NO_COLOR=1
USER 65532:65532
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/checkup"]
CMD ["serve", "--every", "1m", "--listen", ":3000", "--config", "/config/checkup.json", "--log-format", "json"]
