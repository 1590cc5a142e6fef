"""The reference CME's command line: lines typed (or pasted) in, what IOS prints back out.

A ``CliSession`` keeps the current mode and parses each line against the
command table of ``ios_modes``, as IOS does:

* a command valid in the current mode runs there; in a configuration sub-mode,
  a command of global configuration also runs, and leaves the sub-mode (IOS
  tries the parent mode when the sub-mode does not know a command);
* anything else gets ``% Invalid input detected at '^' marker.`` with the caret
  under the first word IOS could not take, as IOS prints it (the echoed line
  includes the prompt, so the caret line is offset by its width);
* ``exit`` leaves a sub-mode for ``(config)`` and ``(config)`` for EXEC; ``end``
  returns to EXEC; ``do <command>`` runs an EXEC command from configuration;
  lines starting with ``!`` are comments;
* a question (D1..D12) takes its answer from the next line typed: answers are
  not commands, and a missing or wrong answer has the effect it has on IOS.

Words in angle brackets (``<trustpoint>``) are placeholders someone forgot to
fill: the CLI rejects them where they stand, so a step block that still holds
one can never count as applied.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from cmedebug.refcme import ios_actions
from cmedebug.refcme.ios_modes import Command, commands_in, match_words, prompt

INVALID = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."
SECRET_QUESTIONS = ("Password:", "Re-enter password:")


@dataclass
class Outcome:
    """One typed line and what it did: ``ok``, ``invalid``, ``incomplete`` or ``answer``."""

    line: str
    mode: str
    result: str
    command: str | None = None  # the table pattern it matched


@dataclass
class CliSession:
    world: object  # runner.World
    mode: str = "exec"
    transcript: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    keys: dict = field(default_factory=dict)  # RSA key label -> key (`crypto key generate rsa`)
    _pending: deque = field(default_factory=deque)

    @property
    def hostname(self) -> str:
        return self.world.router.hostname

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result in ("invalid", "incomplete")]

    # -- input -------------------------------------------------------------------------
    def type_text(self, text: str) -> list[str]:
        """Type a block (as pasted); returns what the CLI printed for it."""
        start = len(self.transcript)
        self._pending.extend(text.splitlines())
        while self._pending:
            self._line(self._pending.popleft())
        return self.transcript[start:]

    def say(self, *lines: str) -> None:
        self.transcript.extend(lines)

    def ask(self, question: str, default: str = "") -> str:
        """Print ``question`` and take the next typed line as the answer (``default`` when
        nothing more was typed). Passwords are not echoed, as on IOS."""
        answer = self._pending.popleft() if self._pending else default
        secret = question in SECRET_QUESTIONS
        self.say(question if secret else f"{question} {answer}".rstrip())
        self.outcomes.append(Outcome("<hidden>" if secret else answer, self.mode, "answer"))
        return answer.strip()

    def confirm(self, question: str) -> bool:
        """A [yes/no] question: IOS asks again until it gets yes or no (it takes y and n)."""
        for _ in range(3):
            answer = self.ask(question).lower()
            if answer in ("yes", "y"):
                return True
            if answer in ("no", "n", ""):
                return False
            self.say("% Please answer 'yes' or 'no'.")
        return False

    # -- parsing -----------------------------------------------------------------------
    def _line(self, raw: str) -> None:
        here = prompt(self.hostname, self.mode)
        text = raw.strip()
        self.say(f"{here}{text}")
        if not text or text.startswith("!"):
            return
        words = text.split()
        if words == ["end"] and self.mode != "exec":
            self._record(text, "ok", "end")
            self.mode = "exec"
            return
        if words == ["exit"]:
            self._record(text, "ok", "exit")
            self.mode = "config" if self.mode not in ("config", "exec") else "exec"
            return
        if words[0] == "do" and self.mode != "exec":
            self._dispatch(words[1:], "exec", len(here) + len("do "), text, stay=True)
            return
        self._dispatch(words, self.mode, len(here), text)

    def _dispatch(self, words: list[str], mode: str, offset: int, text: str, stay: bool = False) -> None:
        negated = words[0] == "no" and mode != "exec"
        body = words[1:] if negated else words
        tried = [mode] + (["config"] if mode not in ("exec", "config") else [])
        best = 0
        for candidate_mode in tried:
            for command in commands_in(candidate_mode):
                if negated and not command.negatable:
                    continue
                slots, reached = match_words(command.words, body)
                if slots is None:
                    best = max(best, reached)
                    continue
                if not stay:
                    self.mode = candidate_mode
                self._record(text, "ok", command.pattern)
                self._run(command, slots, negated, stay)
                return
        self._reject(words, body, best, offset, text)

    def _reject(self, words: list[str], body: list[str], best: int, offset: int, text: str) -> None:
        if best >= len(body):  # every word was taken and more was expected
            self.say(INCOMPLETE, "")
            self._record(text, "incomplete")
            return
        column = offset + len(" ".join(words[:len(words) - len(body) + best]))
        column += 1 if best or len(words) != len(body) else 0
        self.say(" " * column + "^", INVALID, "")
        self._record(text, "invalid")

    def _run(self, command: Command, slots: dict, negated: bool, stay: bool) -> None:
        if command.action:
            getattr(ios_actions, command.action)(self, slots, negated, command)
        if command.enters and not negated and not stay:
            self.mode = command.enters
            if command.enters == "config":
                self.say("Enter configuration commands, one per line.  End with CNTL/Z.")

    def _record(self, text: str, result: str, pattern: str | None = None) -> None:
        self.outcomes.append(Outcome(text, self.mode, result, pattern))
