import json,glob,sys,statistics,re,collections
d=sys.argv[1]
res=collections.defaultdict(dict)
for f in glob.glob(d+'/*.json'):
    n,b,r=re.match(r'.*/(.+)-(chain|mapBufferTimeout)-(\d+)\.json',f).groups()
    try: j=json.load(open(f))
    except Exception: continue
    if not j: continue
    m={'wall':statistics.median(j[0]['primaryMetric']['rawData'][0])}
    for k,v in j[0].get('secondaryMetrics',{}).items():
        m[k.lstrip('·')]=statistics.median(v['rawData'][0])
    res[(n,r)][b]=m
def rng(x): return f"{statistics.median(x):.2f} ({min(x):.2f}-{max(x):.2f})"
for n in sorted(set(k[0] for k in res)):
    rows=[(r,v) for (nn,r),v in sorted(res.items()) if nn==n and len(v)==2]
    for metric in ['wall','worker.cpu.score','process.cpu.score','worker.cpu.share']:
        if metric not in rows[0][1]['chain']: continue
        c=[v['chain'][metric] for r,v in rows]; b=[v['mapBufferTimeout'][metric] for r,v in rows]
        if metric=='worker.cpu.share':
            print(f"{n} {metric}: chain {rng(c)}, bare {rng(b)}"); continue
        ratio=[bb/cc for cc,bb in zip(c,b)]
        print(f"{n} {metric}: chain {rng([x/1e6 for x in c])} M/s, bare {rng([x/1e6 for x in b])} M/s, chain/bare time {rng(ratio)}  [per round: {' '.join(f'{x:.2f}' for x in ratio)}]")
