"""A registry loss as standalone source: the function the run trained with (torch's fused kernel
where training used it, else the registry's own from-scratch function), renamed `loss_fn`, its
parameter bound as a default, with the module-level helpers and constants it uses. Read from the
registry's source by `inspect`/`ast`, so a loss added to the registry exports with nothing more."""

from __future__ import annotations

import ast
import inspect
import textwrap
import types


def _lambda_node(fn) -> ast.Lambda:
    """The lambda's node from its source line(s) (`reference=lambda p, y, _: F.l1_loss(p, y),`)."""
    src = textwrap.dedent(inspect.getsource(fn)).strip()
    start = src.index("lambda")
    text = src[start:]
    for end in range(len(text), 0, -1):  # the shortest tail-trim that parses as one expression
        try:
            node = ast.parse(text[:end], mode="eval").body
        except SyntaxError:
            continue
        if isinstance(node, ast.Lambda):
            return node
    raise ValueError(f"cannot read the lambda of {fn}")


def _helpers(fn, seen: set) -> list[str]:
    """Source of the module-level functions and constants `fn` refers to (recursively)."""
    out = []
    for name in fn.__code__.co_names:
        if name in seen or name not in fn.__globals__:
            continue
        value = fn.__globals__[name]
        # a loss module's own helpers; not the registry's (co_names also lists attributes: `.mean()`)
        if isinstance(value, types.FunctionType) and value.__module__.startswith("losslab.losses."):
            seen.add(name)
            out += _helpers(value, seen) + [textwrap.dedent(inspect.getsource(value)).strip()]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            seen.add(name)
            out.append(f"{name} = {value!r}")
    return out


def loss_source(loss, param) -> str:
    """`def loss_fn(pred, target, <param>=value)`: what the run computed each step."""
    fn = loss.train_fn
    if fn.__name__ == "<lambda>":
        node = _lambda_node(fn)
        args = [a.arg for a in node.args.args]
        body = ast.unparse(node.body)
        head = f"def loss_fn({args[0]}, {args[1]}, {args[2]}={param!r}):"
        return f"{head}\n    return {body}"
    each = getattr(fn, "each", None)
    fn = each or fn  # the mean of a per-point term (losses.mean): the term's source, each return a mean
    helpers = _helpers(fn, {fn.__name__})
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    func = tree.body[0]
    if each is not None:
        for node in ast.walk(func):
            if isinstance(node, ast.Return) and node.value is not None:
                node.value = ast.Call(ast.Attribute(node.value, "mean", ast.Load()), [], [])
    func.name = "loss_fn"
    func.args.defaults = [ast.Constant(param)]
    source = ast.unparse(func)
    return "\n\n\n".join(helpers + [source])
