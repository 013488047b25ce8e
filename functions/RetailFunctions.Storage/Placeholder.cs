namespace RetailFunctions.Storage;
