local xs = {}
for i = 0, 999999 do xs[#xs + 1] = i end
