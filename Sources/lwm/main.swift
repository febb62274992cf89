print("lwm")
