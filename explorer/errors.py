"""Errors raised for bad user input; anything else escaping explorer/ is a bug."""


class ExplorerInputError(ValueError):
    """Bad input from a user: the message states the rule, then the value."""


class UnknownBackboneError(ExplorerInputError):
    """A backbone id that is not in the registry."""


class InputSizeError(ExplorerInputError):
    """An input size the chosen backbone cannot take."""


class WeightsUnavailableError(ExplorerInputError):
    """Pretrained weights that cannot be had on this machine (offline, or none published)."""


class WorkersLostError(ExplorerInputError):
    """The worker processes stopped (or could not be reached) before a job was done."""
