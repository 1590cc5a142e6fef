"""The shape shared by the LIM rules: documented limitations of Secure CME,
reported from the configuration, and only where phone security is in use."""
from __future__ import annotations

from typing import ClassVar, Iterable

from cmedebug.engine import Rule
from cmedebug.model import Case, Confidence, Finding, Severity
from cmedebug.rules._device import secure_cme_in_use
from cmedebug.rules._evidence import full_config_given


class Advisory(Rule):
    severity = Severity.INFO
    confidence = Confidence.HIGH
    tags = ("limitation", "advisory")
    requires = ("config",)
    collect = ("show running-config",)
    # the advisory reads the absence of a line (e.g. no `conference hardware`): a partial config proves nothing
    needs_full_config: ClassVar[bool] = False

    def evaluate(self, case: Case) -> Iterable[Finding]:
        if not secure_cme_in_use(case) or (self.needs_full_config and not full_config_given(case)):
            return ()
        return self.advise(case)

    def advise(self, case: Case) -> Iterable[Finding]:
        """The findings of this limitation, on a case where Secure CME is in use."""
        raise NotImplementedError
