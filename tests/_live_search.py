"""A search that fills a store slowly (one trial every ``--every`` seconds), for the dashboard's
browser test: python tests/_live_search.py URL TRIALS EVERY"""

import sys
import time

from edgenas.experiment import create_experiment

url, trials, every = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
exp = create_experiment(name="live", space="nb201", evaluator="table", costs=["latency-table:nb201-pi5-onnx"],
                        constraints=["test_accuracy>=88"], strategy="random", seed=0, storage=url)
for _ in range(trials):
    trial = exp.ask()
    time.sleep(every)
    exp.tell(trial, exp.evaluate(trial.arch))
exp.close()
