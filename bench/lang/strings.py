parts = []
for i in range(200000):
    parts.append(f"item {i}")
s = ",".join(parts)
