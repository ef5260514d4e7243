local Counter = {}
Counter.__index = Counter
function Counter.new() return setmetatable({n = 0}, Counter) end
function Counter:inc(k) self.n = self.n + k end
local c = Counter.new()
for i = 0, 999999 do c:inc(1) end
