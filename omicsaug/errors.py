"""One exception type for bad user input, with a message a user can act on."""


class InputError(ValueError):
    """Bad input data or configuration.

    The message always names where the problem is (file, column or config key),
    what is wrong, and how to fix it, in one line.
    """

    #: shown as one line (``omicsaug: <message>``) on the terminal, without a traceback
    one_line = True

    def __init__(self, problem, *, file=None, column=None, key=None, fix=None):
        where = []
        if file is not None:
            where.append(str(file))
        if column is not None:
            where.append(f"column {column!r}")
        if key is not None:
            where.append(f"config key {key!r}")
        msg = (": ".join([", ".join(where), problem]) if where else problem)
        if fix:
            msg += f" Fix: {fix}"
        self.file, self.column, self.key, self.fix = file, column, key, fix
        super().__init__(msg)
