# A search under a latency predictor fitted on 100 networks of the shipped Pi 5 table (boosted trees, the kind `auto` keeps on many tables from
# 100 networks on) as its cheap constraint: the time of the same command from this commit and
# with PYTHONPATH at a worktree of 96d5986, session 44's last commit (OLD), in turn, twice.
OLD=${OLD:-/tmp/old}
T=$(mktemp -d)
python -c "
from edgenas.estimate import TabularBenchmark; from edgenas.hardware import measured_networks; from edgenas.spaces import NB201Space
s = NB201Space(); a, y = measured_networks(TabularBenchmark('nb201-pi5-onnx', s, metrics=['latency_ms']))
open('$T/pi5.csv', 'w').write('arch,latency_ms\n' + ''.join(f'{s.format(x)},{v}\n' for x, v in zip(a[:100], y[:100])))"
edgenas latency fit --space nb201 --table $T/pi5.csv --model gbm -o $T/pi5.pt > /dev/null
for i in 1 2; do
  for code in new old; do
    if [ $code = old ]; then export PYTHONPATH=$OLD; else unset PYTHONPATH; fi
    rm -f $T/s.db
    /usr/bin/time -f "$code: %e s" edgenas search --space nb201 --benchmark nb201-cifar10 --latency-predictor $T/pi5.pt \
      --max-latency-ms 4 --budget 100 --storage sqlite:///$T/s.db --json > $T/$code.json
    python -c "import json; r = json.load(open('$T/$code.json')); print('$code best', r['best']['arch'], r['best']['metrics'].get('test_accuracy'))"
  done
done
