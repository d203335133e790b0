"""Weight sharing: one supernet trained once, its sub-networks evaluated without training."""

from edgenas.oneshot.elastic import (
    ELASTIC,
    ElasticSupernet,
    largest,
    recalibrate_bn,
    resize,
    sample_subnet,
    smallest,
)

__all__ = ["ELASTIC", "ElasticSupernet", "largest", "recalibrate_bn", "resize", "sample_subnet", "smallest"]
