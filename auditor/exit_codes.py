"""The exit codes every command ends with, one list for ``auditor`` and its subcommands (and ``auditor ci``'s
verdict, :mod:`auditor.selfcheck.ci.verdict`)."""

EXIT_OK = 0  # done, and no finding reaches --fail-on
EXIT_FINDINGS = 1  # a finding not waived reaches --fail-on
EXIT_USAGE = 2  # bad input (options, configuration, file): a clear French error, never a traceback
EXIT_NOTHING = 3  # no source could be collected: what ran is not an audit
