# The API image: slim, runs as a non-root user, dependencies installed at the versions in requirements.lock
# (regenerate it with `make lock` after changing pyproject.toml).
FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home --uid 10001 openproc
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY openproc ./openproc
COPY models ./models
COPY schema ./schema
COPY resolvers ./resolvers
COPY readpath ./readpath
COPY subscriptions ./subscriptions
COPY ledger ./ledger
COPY seed ./seed
COPY migrations ./migrations
RUN pip install --no-cache-dir --no-deps .
USER openproc
ENV DATA_DIR=/home/openproc/data
EXPOSE 8000
CMD ["openproc", "serve", "--host", "0.0.0.0", "--no-demo"]
