"""Compiled evaluation plans: the CEL subset the rules use, as Python closures.

cel-expr-python stays the type checker at load time and the reference semantics;
``translate`` gives a closure for an expression it can evaluate with exactly CEL's
results, or None. A closure raises ``Fallback`` (the private signal ``ops._Fallback``) whenever a value leaves the subset
(or CEL would report an error): the caller then evaluates with CEL, so an error
message is always CEL's own and an untranslated corner costs time, never correctness.
"""

from .ops import _Fallback as Fallback
from .translate import translate, untranslated_reason

__all__ = ["Fallback", "translate", "untranslated_reason"]
