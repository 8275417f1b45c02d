import loadHighs from 'highs';
import { readFileSync } from 'node:fs';
const h = await loadHighs();
let lp = readFileSync('/tmp/h5/q.lp','utf8');
function time(label, text, o){ const ts=[]; let r; for(let i=0;i<15;i++){const t=performance.now(); r=h.solve(text,o); ts.push(performance.now()-t);} ts.sort((a,b)=>a-b); console.log(label.padEnd(60), ts[7].toFixed(2), ts[0].toFixed(2), r.Status, r.ObjectiveValue); return r;}
const base = { output_flag: false, mip_rel_gap: 0, mip_heuristic_run_feasibility_jump: false, mip_detect_symmetry: false};
const noheur = { mip_heuristic_effort: 0, mip_heuristic_run_rins:false, mip_heuristic_run_rens:false, mip_heuristic_run_root_reduced_cost:false, mip_heuristic_run_zi_round:false, mip_heuristic_run_shifting:false};
// cost-based bounds: incumbent cost 480
const costs = {}; for (const m of lp.match(/cost:.*$/m)[0].matchAll(/\+ ([0-9.e-]+) (b\d+)/g)) costs[m[2]] = +m[1];
const tight = lp.replace(/0 <= (b\d+) <= (\d+)/g, (m, v, n) => `0 <= ${v} <= ${Math.min(+n, Math.floor(480/costs[v]))}`);
console.log(tight.match(/Bounds[\s\S]*/)[0].split('\n').slice(0,8).join(' | '));
const r = time('tight base', tight, base);
time('tight noheur', tight, {...base, ...noheur});
time('tight noheur restart off', tight, {...base, ...noheur, mip_allow_restart:false});
console.log(Object.entries(r.Columns).filter(([k,v])=>v.Primal>1e-9).map(([k,v])=>k+'='+v.Primal).join(' '));
// only 8 vars: b4..b7 (7d ATM), b14..b17 (30d ATM)
const keep = new Set(['b4','b5','b6','b7','b14','b15','b16','b17','hp','hm']);
let small = tight.replace(/ [+-] [0-9.e-]+ (b\d+)/g, (m, v) => keep.has(v) ? m : '').replace(/^ 0 <= (b\d+) <= \d+\n/gm, (m,v)=> keep.has(v)?m:'').replace(/Generals\n.*\n/, 'Generals\n b4 b5 b6 b7 b14 b15 b16 b17\n');
time('small8 base', small, base);
time('small8 noheur', small, {...base, ...noheur});
