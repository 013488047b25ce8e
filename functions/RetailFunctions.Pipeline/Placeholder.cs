namespace RetailFunctions.Pipeline;
