// PostGraphile v5 over OPEN's database: the peer that `make bench-peer` measures OPEN against.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/openproc_seoul node_modules/.bin/node postgraphile.mjs 5050
//
// PostGraphile 5.1 needs Node 22 (on Node 20 every query fails inside @dataplan/pg), so package.json pins Node 22
// from npm and `make bench-peer` runs this file with node_modules/.bin/node, whatever the system Node is.
// Production settings: one process, no watch mode, no GraphiQL, no explain, masked errors (the default).
// A dev-only tool: nothing in OPEN imports or ships it.
import { createServer } from "node:http";

import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { jsonPgSmartTags } from "postgraphile/utils";

const port = Number(process.argv[2] ?? process.env.PORT);
const connectionString = process.env.DATABASE_URL;
if (!Number.isInteger(port) || !connectionString) {
  console.error("usage: DATABASE_URL=postgresql://… node postgraphile.mjs PORT");
  process.exit(2);
}

// The applicant's identity and officers' credentials never leave OPEN; the peer must not publish them either,
// even on loopback.
const hidden = ["applicant", "officer_token", "webhook", "idempotency_record"];
const HidePrivateTablesPlugin = jsonPgSmartTags({
  version: 1,
  config: { class: Object.fromEntries(hidden.map((table) => [table, { tags: { behavior: "-*" } }])) },
});

const preset = {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
  plugins: [HidePrivateTablesPlugin],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      poolConfig: {
        // The same pool size OPEN and the asyncpg baseline get, so the comparison is of code, not of connections.
        max: Number(process.env.DB_POOL_SIZE ?? 16),
        // The database is shared and read only for the benchmark: PostgreSQL refuses any write on these sessions.
        options: "-c default_transaction_read_only=on",
      },
    }),
  ],
  // No mutations in the schema at all: the benchmark only reads.
  schema: { defaultBehavior: "-insert -update -delete" },
  grafast: { explain: false },
  grafserv: { port, host: "127.0.0.1", graphiql: false, watch: false, websockets: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.once("listening", () => console.log(`PostGraphile listening on http://127.0.0.1:${port}/graphql`));
await serv.addTo(server);
server.listen(port, "127.0.0.1");

const stop = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
