import EvoTensor
print("evo")
