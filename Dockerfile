FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home --uid 10001 openproc
COPY pyproject.toml README.md alembic.ini ./
COPY openproc ./openproc
COPY models ./models
COPY schema ./schema
COPY resolvers ./resolvers
COPY subscriptions ./subscriptions
COPY seed ./seed
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .
USER openproc
EXPOSE 8000
CMD ["openproc", "serve", "--host", "0.0.0.0"]
