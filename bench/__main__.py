"""`make bench`: every benchmark in this folder, one after the other."""

from . import ack_latency

ack_latency.run()
