print("chemflow")
