import sys, numpy as np
from edgenas.spaces import create_space
from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import regression_metrics
s=create_space("nb201")
res={}
for t in sys.argv[1:]:
    archs,y=measured_networks(TabularBenchmark(t,s,metrics=["latency_ms"]))
    for seed in range(4):
        o=np.random.default_rng(seed).permutation(len(archs)); h=len(archs)//2
        tr,te=o[:h],o[h:]
        P={m:LatencyPredictor(s,m).fit([archs[i] for i in tr],y[tr]).predict([archs[i] for i in te]) for m in ["hybrid","paths","gbm","linear"]}
        P["mean3"]=np.exp(np.mean([np.log(P[m]) for m in ["hybrid","paths","gbm"]],0))
        P["mean4"]=np.exp(np.mean([np.log(np.maximum(P[m],1e-3)) for m in P if m!="mean3"],0))
        for m,p in P.items():
            res.setdefault((t.split('/')[-1],m),[]).append(regression_metrics(p,y[te])["within_10pct"])
for k,v in res.items(): print(k, round(100*np.mean(v),1))
