"""Domain exceptions and the one table of exit codes.

The library raises these; the CLI turns them into a one-line message and the
exit code below, in one place (`inspect_cli.cli.main`).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the `inspect` command (documented in README.md)."""

    OK = 0
    ERROR = 1  # the command failed: unreadable log, storage error, failed eval
    GATE_FAILED = 1  # `inspect log report --gate`: a gate failed (an alias of ERROR: CI fails the step)
    USAGE = 2  # bad command line: unknown option, bad value
    PARTIAL = 3  # output was printed, but some logs could not be read (named on stderr)
    LOCKED = 4  # another eval set is running in the log dir
    INTERRUPTED = 130  # Ctrl-C / SIGINT


class InspectCliError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = ExitCode.ERROR


class UsageError(InspectCliError):
    """A bad value in an option, an argument or a setting (exit code 2)."""

    exit_code = ExitCode.USAGE


class BadArgumentError(UsageError, ValueError):
    """A library function was given a value it cannot take (also a ValueError,
    what Inspect raises there)."""


class LogError(InspectCliError):
    """A log could not be read or written."""


class LogFormatError(LogError, ValueError):
    """The file is not an eval log, or it is corrupt or truncated (also a
    ValueError: what Inspect raises, and its callers catch)."""


class LogVersionError(LogFormatError):
    """The log declares a schema version newer than this tool knows."""


class ExistsError(InspectCliError):
    """Something is already at the location a new file must be created at."""


class LogExistsError(LogError, ExistsError):
    """Writing would replace a log of a different run (or one written meanwhile)."""


class RecoveryNotAvailable(LogError):
    """There is nothing to recover: the log is not one a killed eval left
    behind (it finished, or was recovered already). Inspect's name: callers
    that recover whatever they find catch it and move on."""


class RecoveryThresholdExceeded(LogError):
    """Recovery would resolve more unfinished samples than `incomplete_max`
    allows (Inspect's name, kept so callers can catch it)."""


class SampleNotFoundError(LogError, IndexError):
    """The log holds no sample with the requested id and epoch (also an
    IndexError, as Inspect raises)."""


class LogEditError(LogError, ValueError):
    """An edit does not fit the log: it names a sample, score or metric the log
    lacks, or contradicts itself (also a ValueError, as Inspect raises)."""


class NotFoundError(InspectCliError):
    """Nothing exists at the given location."""


class StorageError(InspectCliError):
    """The storage behind a location failed (permissions, bucket, credentials, ...)."""


class WriteConflictError(StorageError):
    """A remote log changed since it was read (its ETag is not the one given)."""


class MissingPackageError(StorageError):
    """A location needs an optional package that is not installed."""


class EvalSetError(InspectCliError):
    """An eval set cannot run in its log dir: the dir holds logs of other evals,
    the set's id is not the dir's, or two members are the same eval."""


class EvalSetLockedError(EvalSetError):
    """Another eval-set run holds the log dir's lock (exit code 4: a CI job
    can tell "try later" from a failure)."""

    exit_code = ExitCode.LOCKED


class ForbiddenError(InspectCliError):
    """A request names something outside what may be served (the viewer's log dir)."""
