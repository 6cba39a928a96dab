"""The assignment's rules, read from the source with :mod:`ast` (nothing is run).

Tasks 0-4 and 6 allow two ``for`` loops, task 5 three; "any other loops of any kind are not
allowed", so ``while`` loops and every ``for`` clause of a comprehension or generator
expression count too. Imports other than numpy are reported (the assignment's files import
only ``numpy``).
"""

import ast
from dataclasses import dataclass, field

__all__ = ["Rules", "read_rules"]

_LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class Rules:
    """What the rules check found in one file.

    ``loops`` lists ``(line, kind)`` for every loop; ``imports`` the modules other than numpy;
    ``syntax_error`` the parser's message when the file does not parse.
    """

    max_loops: int
    loops: list = field(default_factory=list)
    imports: list = field(default_factory=list)
    syntax_error: str = None

    @property
    def loop_count(self):
        return len(self.loops)

    @property
    def ok(self):
        """True when the loop count is within the budget and only numpy is imported."""
        return self.syntax_error is None and self.loop_count <= self.max_loops and not self.imports

    def problems(self):
        """The violations as sentences (empty when the file keeps the rules)."""
        found = []
        if self.syntax_error:
            found.append(f"does not parse: {self.syntax_error}")
        if self.loop_count > self.max_loops:
            where = ", ".join(f"{kind} on line {line}" for line, kind in self.loops)
            found.append(f"{self.loop_count} loops, the assignment allows {self.max_loops}: {where}")
        if self.imports:
            found.append("imports other than numpy: " + ", ".join(self.imports))
        return found


def read_rules(source, max_loops):
    """Count the loops and list the non-numpy imports of ``source`` (the file's text).

    Examples
    --------
    >>> text = "import numpy as np\\nimport scipy\\nfor i in range(3):\\n    x = [j for j in i]\\n"
    >>> rules = read_rules(text, 2)
    >>> rules.loops, rules.imports, rules.ok
    ([(3, 'for'), (4, 'comprehension')], ['scipy'], False)
    """
    rules = Rules(max_loops)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        rules.syntax_error = f"line {exc.lineno}: {exc.msg}"
        return rules
    for node in ast.walk(tree):
        if isinstance(node, _LOOP_NODES):
            kind = "while" if isinstance(node, ast.While) else "for"
            rules.loops.append((node.lineno, kind))
        elif isinstance(node, _COMPREHENSIONS):
            rules.loops += [(node.lineno, "comprehension")] * len(node.generators)
        elif isinstance(node, ast.Import):
            rules.imports += [a.name for a in node.names if a.name.split(".")[0] != "numpy"]
        elif isinstance(node, ast.ImportFrom):
            name = "." * node.level + (node.module or "")
            if node.level or (node.module or "").split(".")[0] != "numpy":
                rules.imports.append(name)
    rules.loops.sort()
    rules.imports = sorted(set(rules.imports))
    return rules
