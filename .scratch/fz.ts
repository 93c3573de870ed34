import { checkProgram } from "../test/fuzz-check.js";

const p = JSON.parse(process.argv[2]!);
const r = await checkProgram(p);
console.log(JSON.stringify(r.mismatches, null, 1).slice(0, 3000));
