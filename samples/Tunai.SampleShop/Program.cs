Tunai.SampleShop.ShopApp.Build(args).Run();
