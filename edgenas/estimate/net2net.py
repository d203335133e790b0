"""Net2Net lives in `edgenas.blocks.net2net` (below the spaces, whose ops inherit with it)."""

from edgenas.blocks.net2net import net2deeper, net2wider

__all__ = ["net2wider", "net2deeper"]
