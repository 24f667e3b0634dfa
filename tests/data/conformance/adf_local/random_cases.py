"""Random ADF cases with statsmodels' answers, for the hand-run comparison
`adf_matches_statsmodels_on_generated_cases` in tests/conformance_adf.rs:

    OPENBLAS_NUM_THREADS=1 python3 tests/data/conformance/adf_local/random_cases.py /tmp/cases.json 300
    ADF_CASES_FILE=/tmp/cases.json cargo test --test conformance_adf -- --ignored --nocapture

Series: random walks, AR(1), drifting walks, I(2), walks at 1e6 varying by 1e-3, noise plus a
sine (some rounded to 0.1); random regression, autolag and maxlag. A case is marked
`reliable: false` when a statsmodels fit (final or any autolag one) is rank deficient or differs
by more than 1e-9 from an independent stable solve (centred, unit-norm columns, SVD): there
statsmodels' own rounding (its pseudo-inverse on badly scaled or ill-conditioned designs) is
larger than the test tolerance. Written with statsmodels 0.15.0, numpy 2.4.6, scipy 1.17.1.
"""
import sys
import json, warnings, numpy as np
from statsmodels.tsa.stattools import adfuller
warnings.simplefilter('ignore')
out=sys.argv[1] if len(sys.argv)>1 else 'cases.json'
count=int(sys.argv[2]) if len(sys.argv)>2 else 300
rng=np.random.default_rng(2024)
cases=[]
for i in range(count):
    n=int(rng.choice([12,20,35,60,100,250,500,1200]))
    kind=rng.integers(0,6)
    e=rng.standard_normal(n)
    if kind==0: y=np.cumsum(e)
    elif kind==1:
        phi=rng.uniform(-0.9,0.95); y=np.zeros(n)
        for t in range(1,n): y[t]=phi*y[t-1]+e[t]
    elif kind==2: y=np.cumsum(e)+0.3*np.arange(n)
    elif kind==3: y=np.cumsum(np.cumsum(e))*0.1
    elif kind==4: y=np.cumsum(e)*1e-3+1e6
    else: y=rng.standard_normal(n)*5+np.sin(np.arange(n)/7.0)*3
    if rng.random()<0.2: y=np.round(y,1)
    reg=str(rng.choice(['c','ct','ctt','n']))
    al=[None,'AIC','BIC','t-stat'][rng.integers(0,4)]
    ntrend={'c':1,'ct':2,'ctt':3,'n':0}[reg]
    lim=n//2-ntrend-1
    if lim<0: continue
    maxlag=None if rng.random()<0.6 else int(rng.integers(0,lim+1))
    try:
        r=adfuller(y,maxlag=maxlag,regression=reg,autolag=al,regresults=True,result_object=True)
    except Exception as ex:
        cases.append(dict(y=y.tolist(),regression=reg,autolag=al,maxlag=maxlag,error=str(ex),kind=int(kind))); continue
    st=r.resstore
    table=None
    def stable(res):
        # An independent stable solve: constant-centred columns, unit column norms, SVD lstsq.
        X=res.model.exog.copy(); yy=res.model.endog
        const=[j for j in range(X.shape[1]) if np.ptp(X[:,j])==0]
        shifts=np.zeros(X.shape[1])
        if const:
            for j in range(X.shape[1]):
                if j not in const: shifts[j]=X[:,j].mean()
            X=X-shifts
        s=np.linalg.norm(X,axis=0); s[s==0]=1
        U,S,Vt=np.linalg.svd(X/s,full_matrices=False)
        b=(Vt.T@((U.T@yy)/S))/s
        cov=(Vt.T/S**2)@Vt/np.outer(s,s)
        if const:
            c0=const[0]; b[c0]-=shifts@b
            g=np.eye(len(b)); g[c0,:]-=shifts; g[c0,c0]=1
            cov=g@cov@g.T
        resid=yy-res.model.exog@b; ssr=resid@resid
        bse=np.sqrt(np.diag(cov)*ssr/(len(yy)-X.shape[1]))
        return b,bse,ssr
    def reliable(res):
        if int(res.model.rank)!=res.model.exog.shape[1]: return False
        b,bse,ssr=stable(res)
        close=lambda a,c: np.all(np.abs(a-c)<=1e-9*np.maximum(np.abs(c),1e-300))
        return bool(close(res.params,b) and close(res.bse,bse) and close(res.ssr,ssr) and close(res.tvalues[-1], b[-1]/bse[-1]))
    ok=reliable(st.resols)
    if al:
        table=[dict(aic=float(v.aic),bic=float(v.bic),t=float(v.tvalues[-1])) for k,v in sorted(st.autolag_results.items())]
        ok = ok and all(reliable(v) for v in st.autolag_results.values())
    cases.append(dict(y=y.tolist(),regression=reg,autolag=al,maxlag=maxlag,statistic=float(r.statistic),pvalue=float(r.pvalue),
        usedlag=int(r.lags),nobs=int(r.nobs),crit=[float(r.critical_values[k]) for k in ('1%','5%','10%')],
        icbest=None if r.icbest is None else float(r.icbest),params=[float(v) for v in st.resols.params],
        bse=[float(v) for v in st.resols.bse],ssr=float(st.resols.ssr),rank=int(st.resols.model.rank),
        ncols=int(st.resols.model.exog.shape[1]),table=table,kind=int(kind),reliable=ok))
import math
def fix(o):
    if isinstance(o,float) and not math.isfinite(o): return None
    if isinstance(o,list): return [fix(v) for v in o]
    if isinstance(o,dict): return {k:fix(v) for k,v in o.items()}
    return o
json.dump(fix(cases),open(out,'w'),allow_nan=False)
print('unreliable', sum(1 for c in cases if not c.get('reliable',True)))
print(len(cases), sum('error' in c for c in cases))
