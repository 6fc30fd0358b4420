print("lakeq")
