# The API image: slim, runs as a non-root user, and holds exactly the locked runtime (uv.lock) and OPEN's wheel,
# installed by the same two scripts tests/deploy/test_wheel.py runs without a container engine.

# GraphiQL's browser files, from the npm packages pinned in npm/package-lock.json.
FROM node:20-slim AS graphiql
COPY npm/ /npm/
RUN /npm/vendor.sh /vendor

FROM python:3.11-slim AS build
ENV UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY deploy ./deploy
COPY openproc ./openproc
COPY models ./models
COPY schema ./schema
COPY resolvers ./resolvers
COPY readpath ./readpath
COPY subscriptions ./subscriptions
COPY ledger ./ledger
COPY seed ./seed
COPY --from=graphiql /vendor ./openproc/web/vendor
RUN deploy/build-wheel.sh /dist && deploy/install-wheel.sh /dist /opt/openproc

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 openproc && mkdir /home/openproc/data && chown openproc: /home/openproc/data
COPY --from=build /opt/openproc /opt/openproc
ENV PATH=/opt/openproc/bin:$PATH DATA_DIR=/home/openproc/data
USER openproc
WORKDIR /home/openproc
EXPOSE 8000
CMD ["openproc", "serve", "--host", "0.0.0.0"]
