class Counter:
    def __init__(self):
        self.n = 0
    def inc(self, k):
        self.n += k
c = Counter()
for i in range(1000000):
    c.inc(1)
