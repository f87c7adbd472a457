"""Virtual clinical trials: protocol spec, RECIST 1.1, survival link, runner, results store, library."""

from .protocol import Protocol, ProtocolError, load_protocol, parse_protocol
from .recist import RecistRules, assess
from .runner import RunError, load_results, run_trial
from .store import Store, query

__all__ = ["Protocol", "ProtocolError", "RecistRules", "RunError", "Store", "assess", "load_protocol",
           "load_results", "parse_protocol", "query", "run_trial"]
