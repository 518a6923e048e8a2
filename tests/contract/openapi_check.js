// Validates each OpenAPI document given against the OpenAPI 3.1 specification's schema and its
// rules (swagger-parser), with every $ref into contract/*.schema.json resolved. Bundled first:
// swagger-parser's validate() does not follow references between files by itself.
const SwaggerParser = require("@apidevtools/swagger-parser");
(async () => {
  for (const file of process.argv.slice(2)) {
    try {
      const bundled = await SwaggerParser.bundle(file);
      const api = await SwaggerParser.validate(bundled);
      const ops = Object.entries(api.paths).flatMap(([p, item]) =>
        Object.keys(item).filter((m) => ["get", "post", "put", "delete", "patch"].includes(m))
          .map((m) => m.toUpperCase() + " " + p));
      console.log(ops.join("\n"));
    } catch (e) {
      console.error(file + ": " + e.message);
      process.exitCode = 1;
    }
  }
})();
