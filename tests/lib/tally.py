"""tally.py - the pass/fail counting the Python test drivers share: each
check is one assertion, a failure prints its detail, and the closing
line is the "N passed, N failed" that CI reads."""


class Tally:
    def __init__(self, label):
        self.label = label
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL  {name}: {detail}"[:2000])
        return ok

    def close(self):
        print(f"{self.label}: {self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
